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

inbox-title = My notifications
inbox-intro = What Vigie told you: newly exposed services, watch alerts, the weekly bulletin, incident deadlines. Unread first. This list keeps everything, even what you no longer receive by e-mail.
inbox-prefs_link = Choose what I receive by e-mail
inbox-counts = { $count ->
    [0] No notification.
    [one] { $unread ->
        [0] 1 notification, read.
       *[other] 1 notification, unread.
    }
   *[other] { $count } notifications, { $unread ->
        [0] none unread
        [one] 1 unread
       *[other] { $unread } unread
    }.
}
inbox-read_all = Mark all as read
inbox-empty = You have no notification yet.
inbox-unread = Unread
inbox-mark_read = Mark as read
inbox-bell = { $count ->
    [0] My notifications: none unread
    [one] My notifications: 1 unread
   *[other] My notifications: { $count } unread
}
inbox-kind-scan_finding = Internet exposure
inbox-kind-watch_alert = Vulnerability alert
inbox-kind-watch_bulletin = Weekly watch bulletin
inbox-kind-incidents = Incident deadline
inbox-kind-other = Other
account-email_prefs = E-mail notifications
account-email_prefs_help = Choose what you also receive by e-mail. Everything stays in your list of notifications:
account-email_prefs_legend = Receive by e-mail
account-email_prefs_saved = Your e-mail preferences are saved.
notifications-status-skipped = Not sent (the person no longer receives this kind by e-mail)
ux-audit-user-notification_prefs = E-mail notification preferences changed
