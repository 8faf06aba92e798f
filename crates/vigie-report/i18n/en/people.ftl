# The header's search (structures, advisories, people) and people's notifications.

search-label = Search
search-placeholder = Structure, CVE, product, person…
search-submit = Search
search-title = Search
search-again = New search
search-hint = A structure's name, a town, a FINESS number, a GHT, a CVE (CVE-2024-1234), a product or a vendor, a person's name or e-mail. Only your scope is searched.
search-cut = Search too long: only its first { $max } characters were searched.
search-summary = { $count ->
    [0] No result for “{ $q }”
    [one] 1 result for “{ $q }”
   *[other] { $count } results for “{ $q }”
}
search-empty = Nothing matches “{ $q }” in your scope. Check the spelling, or search for one word (a town, a FINESS number, a CVE).
search-structures = Structures
search-advisories = Vulnerability advisories
search-people = People
search-none_group = No result in this category.
search-see_all = { $count ->
    [one] See the result
   *[other] See the { $count } results
}
search-people_more = { $count ->
    [one] 1 person found
   *[other] { $count } people found: narrow the search to see the others.
}
search-concerns = { $count ->
    [one] 1 structure concerned
   *[other] { $count } structures concerned
}
search-known_elsewhere = { $ref } is known to the watch but concerns no structure of your scope.
search-open_advisory = Open the advisory
