# Analyst pages (issue 17): views by advisory, the findings list, filters, pages, exports.

ux-pages = Pages of the list
ux-page = Page
ux-previous = Previous page
ux-next = Next page
ux-export_csv = Export as CSV
ux-export_json = Export as JSON
ux-all = All
ux-region = Region
ux-ght = GHT
ux-sort = Sort by
ux-filter = Filter
ux-open_only = Open ones only
ux-kev_only = Exploited vulnerabilities only
ux-filter-not-a-number = The filter “{ $field }” expects a number, not “{ $value }”.
ux-filter-unknown-value = The filter “{ $field }” does not know the value “{ $value }”.

ux-priority-urgent = Urgent (exploited)
ux-priority-high = High
ux-priority-medium = Medium
ux-priority-low = Low

ux-alert_text = CVE or title
ux-alerts_count = { $count ->
    [0] No alert
    [one] { $count } alert
   *[other] { $count } alerts
}
ux-alert_sort-priority = Priority
ux-alert_sort-newest = Newest
ux-alert_sort-oldest = Oldest
ux-alert_sort-structure = Structure
ux-alert_sort-reference = Reference
ux-alert_sort-status = Status

ux-advisories = Advisories concerning your territory
ux-advisories_help = Security advisories (CVEs) that affect at least one structure of your scope: actively exploited vulnerabilities first, then the most recent.
ux-advisory_text = CVE, product or title
ux-advisories_count = { $count ->
    [0] No advisory
    [one] { $count } advisory
   *[other] { $count } advisories
}
ux-no_advisories = No advisory concerns your scope with these filters.
ux-title = Title
ux-exploitation = Exploitation
ux-kev_short = Actively exploited
ux-kev_since = in CISA's catalogue since
ux-kev_no = No known exploitation (not in CISA's KEV catalogue)
ux-certfr = CERT-FR
ux-certfr_alert = CERT-FR alert
ux-cvss = CVSS score
ux-epss = Exploitation probability (EPSS)
ux-structures = Structures
ux-regions = Regions
ux-open_alerts = Open alerts
ux-last_alert = Latest alert
ux-what_it_is = What it is
ux-products = Products concerned
ux-cve_org = Record on cve.org
ux-concerned = Structures concerned in your scope
ux-structures_count = { $count ->
    [0] no structure
    [one] { $count } structure
   *[other] { $count } structures
}
ux-regions_count = { $count ->
    [0] no region
    [one] { $count } region
   *[other] { $count } regions
}
ux-open_alerts_count = { $count ->
    [0] no open alert
    [one] { $count } open alert
   *[other] { $count } open alerts
}
ux-bulk_done = { $count ->
    [0] No alert changed status.
    [one] { $count } alert changed status.
   *[other] { $count } alerts changed status.
}
ux-no_structure_concerned = No structure of your scope runs an affected version.
ux-select = Select
ux-bulk = Handle the ticked alerts
ux-bulk_submit = Apply to the ticked alerts
ux-print_hint = To print the list, use the browser's print: filters and buttons are left out.

ux-findings = All findings
ux-findings_help = The exposure findings of every structure of your scope. A finding is overdue when it stays open past its treatment delay: 7 days for a critical one, 30 for a high one, 90 for a medium one, 180 for a low one.
ux-severity = Severity
ux-kind = Type
ux-age_days = First seen at least (days ago)
ux-overdue_only = Overdue findings only
ux-overdue = Overdue
ux-findings_count = { $count ->
    [0] No finding
    [one] { $count } finding
   *[other] { $count } findings
}
ux-no_findings = No finding matches these filters.
ux-finding = Finding
ux-address = Address and port
ux-first_seen = First seen
ux-last_seen = Last seen
ux-fstatus-open = open
ux-fstatus-all = all
ux-finding_sort-severity = Severity
ux-finding_sort-oldest = Oldest
ux-finding_sort-newest = Newest
ux-finding_sort-structure = Structure
ux-finding_sort-kind = Kind

ux-advisory_page = Every structure concerned by this advisory
ux-reason-match = { $product } { $version } is among the affected versions according to { $sources } (confidence { $confidence }).
ux-reason-review = { $product } { $version } may be affected according to { $sources }: to be checked (confidence { $confidence }).
ux-reason-eol = { $product } { $version } no longer gets security fixes from its vendor.
ux-source-cve-cna = the vendor's CVE record
ux-source-cisa-adp = CISA's CVE enrichment
ux-source-nvd = the NVD
ux-source-kev = CISA's KEV catalogue
ux-source-cert-fr = CERT-FR
ux-source-end-of-life = endoflife.date
ux-source-epss = EPSS
ux-confirm_remove = Remove “{ $what }”? This cannot be undone.
ux-confirm_remove_button = Yes, remove
ux-regions_title = Regions
ux-agency = Regional health agency
ux-see = See
ux-advisories_short = Advisories
ux-alerts_short = Open alerts
ux-findings_short = Findings
ux-support = Support hospital
ux-support_link = The support hospital's page
notifications-status-kept = Kept in the outbox (demo: no mail server)
ux-no_smtp = no mail server is configured (setting [notify] smtp_url)
ux-audit_family = Family of actions
ux-audit_person = Person
ux-audit_from = From
ux-audit_to = To
ux-audit_count = { $count ->
    [0] No entry
    [one] { $count } entry
   *[other] { $count } entries
}
ux-audit_family-auth = Sign-ins
ux-audit_family-user = Accounts
ux-audit_family-watch = Vulnerability watch
ux-audit_family-finding = Exposure findings
ux-audit_family-scan = Scans
ux-audit_family-registry = Registry
ux-audit_family-incident = Incidents
ux-audit-auth-login = Sign-in
ux-audit-watch-alert-triage = Alert follow-up
ux-audit-finding-acknowledge = Finding acknowledged
ux-audit-asset-add = Asset declared
ux-audit-asset-remove = Asset removed
ux-audit-asset-validate = Asset validated
ux-audit-contact-set = Structure contact updated
ux-audit-diagnostic-answers = Diagnostic answers saved
ux-audit-diagnostic-backdate_demo = Demo diagnostic dated
ux-audit-diagnostic-finish = Diagnostic finished
ux-audit-diagnostic-sign_off = Diagnostic signed off
ux-audit-diagnostic-start = Diagnostic started
ux-audit-ght-import = GHT compositions imported
ux-audit-ght-upsert = GHT created or updated
ux-audit-incident-assign = Incident assigned
ux-audit-incident-sector-alert = Sector alert sent from an incident
ux-audit-incident-attachment-add = Attachment added to an incident
ux-audit-incident-attachment-download = Incident attachment downloaded
ux-audit-incident-create = Incident declaration started (draft)
ux-audit-incident-designations = Structure's regulatory designations for an incident
ux-audit-incident-name = Person named on an incident
ux-audit-incident-note = Note added to an incident
ux-audit-incident-notification = Regulatory notification recorded
ux-audit-incident-observable = Observable added to an incident
ux-audit-incident-reminder = Deadline reminder sent
ux-audit-incident-support = Technical support given to the structure (incident)
ux-audit-incident-status = Incident status changed
ux-audit-incident-submit = Incident declared
ux-audit-incident-triage = Incident triaged
ux-audit-incident-update = Draft declaration updated
ux-audit-observatory-import = Past declarations imported (observatory)
ux-audit-plan-action-add = Action added to the plan
ux-audit-plan-action-auto_close = Action closed by itself (source fixed)
ux-audit-plan-action-update = Plan action updated
ux-audit-plan-evidence-add = Evidence file attached to a plan action
ux-audit-plan-evidence-download = Evidence file of a plan action downloaded
ux-audit-plan-evidence-remove = Evidence file removed from a plan action
ux-audit-registry-upsert = FINESS registry imported
ux-audit-scan-failed = Scan failed
ux-audit-scan-finish = Scan finished
ux-audit-scan-request = Scan requested
ux-audit-scan-start = Scan started
ux-audit-structure-designations = Structure's regulatory designations
ux-audit-surveillance-set = Structure's surveillance settings
ux-audit-token-create = API token created
ux-audit-token-revoke = API token revoked
ux-audit-user-create = Account created
ux-audit-user-disable = Account disabled
ux-audit-user-enable = Account enabled
ux-audit-user-mfa_disabled = Second factor turned off
ux-audit-user-mfa_enabled = Second factor turned on
ux-audit-user-mfa_enrolment_started = Second factor enrolment started
ux-audit-user-mfa_renewed = Second factor renewed
ux-audit-user-mfa_reset = Second factor reset
ux-audit-user-oidc_sync = Account updated by the identity provider
ux-audit-user-password_reset = Password reset
ux-audit-user-password_set = Password changed
ux-audit-user-update = Account role or scope changed
ux-audit-watch-bulletin-queue = Weekly bulletin queued
ux-audit-watch-ingest = Advisories ingested
ux-audit-watch-ingest-done = Advisory ingestion finished
ux-audit-watch-ingest-queue = Advisory ingestion from an address requested
ux-audit-watch-inventory-import = Inventory imported from a file
ux-audit-watch-inventory-add = Product added to the inventory
ux-audit-watch-inventory-remove = Product removed from the inventory
ux-audit-watch-inventory-update = Inventory updated
ux-audit-watch-reindex = Product index rebuilt
ux-audit-webhook-create = Webhook created
ux-audit-webhook-delete = Webhook deleted

# Dashboard figures with their plural.
ux-fig-structures = { $count ->
    [one] Structure followed
   *[other] Structures followed
}
ux-fig-with_assets = { $count ->
    [one] Structure that declared assets
   *[other] Structures that declared assets
}
ux-fig-with_rssi = { $count ->
    [one] Structure with a security officer
   *[other] Structures with a security officer
}
ux-fig-ose = { $count ->
    [one] Operator of essential services
   *[other] Operators of essential services
}
ux-fig-findings_open = { $count ->
    [one] Open exposure finding
   *[other] Open exposure findings
}
ux-fig-findings_critical = { $count ->
    [one] Critical finding
   *[other] Critical findings
}
ux-fig-findings_high = { $count ->
    [one] High-severity finding
   *[other] High-severity findings
}
ux-fig-findings_medium = { $count ->
    [one] Medium-severity finding
   *[other] Medium-severity findings
}
ux-fig-findings_low = { $count ->
    [one] Low or informational finding
   *[other] Low or informational findings
}
ux-fig-exposed_structures = { $count ->
    [one] Structure with an open finding
   *[other] Structures with an open finding
}
ux-fig-alerts_open = { $count ->
    [one] Open vulnerability alert
   *[other] Open vulnerability alerts
}
ux-fig-alerts_kev = { $count ->
    [one] Alert on an actively exploited vulnerability (KEV)
   *[other] Alerts on an actively exploited vulnerability (KEV)
}

# Charts of the dashboards and of the regions' and GHTs' pages
ux-chart_alt = Description of the chart
ux-chart_data = See the chart's data
ux-chart_findings = Open findings
ux-chart_alerts = Open alerts
ux-chart_open = Open findings and alerts
ux-chart_severity = Severity
ux-chart_priority = Priority
ux-chart_kind = Finding type
ux-chart_week = Date
ux-chart_structure = Structure
ux-chart_ght = GHT
ux-chart_department = Department
ux-chart_no_ght = Outside any GHT
ux-chart_charts = At a glance
ux-chart_territories = Territories side by side
ux-chart_findings_by_severity = Open findings by severity
ux-chart_findings_by_kind = Most frequent open finding types
ux-chart_findings_trend = Open findings over the last 12 weeks
ux-chart_findings_trend_summary = Number of open findings at each date, week by week up to today. A finding fixed then seen again counts as open while it was fixed.
ux-chart_alerts_by_level = Open alerts by priority
ux-chart_alerts_trend = Open alerts over the last 12 weeks
ux-chart_alerts_trend_summary = Number of open alerts at each date, week by week up to today. An alert closed then reopened counts as open while it was closed.
ux-chart_regions = Open findings and alerts by region
ux-chart_regions_map = Map of open findings by region
ux-chart_departments = Open findings and alerts by department
ux-chart_ghts = Open findings and alerts by GHT
ux-chart_departments_map = Map of open findings by department
ux-chart_departments_map_summary = Only the departments of your territory are coloured.
ux-chart_members = Open findings and alerts by structure
ux-chart_territories_summary = The territories with the most open findings come first.

## Forms of the registry's assets (issue 17)
ux-asset-kind-unknown = There is no asset type “{ $value }”: choose a domain name or an IP address range.
ux-asset-duplicate = The asset “{ $value }” is already declared for this structure.
ux-surveillance-interval-not-a-number = The interval must be a whole number of hours, not “{ $value }”.
