-- Declarations for bench/incidents.sh: a form post that stores a draft (its clocks computed),
-- then, when its redirect names the new incident, the post that submits it. Every response
-- must be a 303 redirect; anything else is counted and printed at the end.
local session = os.getenv("SESSION")
local csrf = os.getenv("CSRF")
local structure = os.getenv("STRUCTURE")
local headers = {
  ["Cookie"] = "vigie_session=" .. session,
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
local form = "csrf=" .. csrf .. "&title=Rancongiciel+sur+le+serveur+de+fichiers" ..
  "&description=Fichiers+chiffres+sur+le+partage+commun&declarant_name=RSSI" ..
  "&declarant_email=bench-declare%40structure.example&declarant_phone=0102030405" ..
  "&occurred_at=2026-12-01T08%3A00&detected_at=2026-12-01T09%3A30&time_zone=Europe%2FParis" ..
  "&state=ongoing&systems=Serveur+de+fichiers&sites=Site+principal&provider=" ..
  "&origin=malicious&incident_type=ransomware&care_impact=degraded_mode" ..
  "&data_availability=true&data_confidentiality=true&operations_impact=major" ..
  "&significant=true&personal_data=true&support_requested=true&tlp=amber&pap=amber"
local pending = {}
-- A submit also answers with a redirect to the incident: each incident is submitted once.
local seen = {}
local bad = 0

request = function()
  local next = table.remove(pending)
  if next then
    return wrk.format("POST", next, headers, "csrf=" .. csrf)
  end
  return wrk.format("POST", "/structures/" .. structure .. "/incidents", headers, form)
end

response = function(status, hdrs, body)
  if status ~= 303 then
    bad = bad + 1
    if bad <= 3 then io.stderr:write("unexpected status " .. status .. "\n") end
    return
  end
  local loc = hdrs["Location"] or hdrs["location"]
  if loc and loc:match("^/incidents/%d+$") and not seen[loc] then
    seen[loc] = true
    table.insert(pending, loc .. "/submit")
  end
end
