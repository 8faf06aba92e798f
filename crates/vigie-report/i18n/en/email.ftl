## The e-mails Vigie sends (vigie_report::email). Values in braces are given by the program;
## numbers select the plural forms.

email-signature = Vigie, the CERT Santé's watch and alerts
email-hello = Hello,
email-structure = Structure
email-finding = Finding
email-severity = Severity
email-system = System
email-evidence = Evidence
email-advice = Advice

## New exposure finding (scan.finding.new)
email-finding-new = New exposure detected
email-finding-reopened = Exposure seen again
email-finding-intro-new = Vigie's internet exposure monitoring detected a new exposure.
email-finding-intro-reopened = An exposure that the last check had found fixed is visible from the internet again.
email-finding-subject = [Vigie] { $what } ({ $severity }): { $title } – { $structure }
email-finding-follow = Details and follow-up
email-finding-link = See the structure's exposure

## Vulnerability or end-of-support alert (watch.alert.new)
email-alert-eol = End of support
email-alert-vuln = Vulnerability { $ref }
email-alert-vuln-kev = Actively exploited vulnerability { $ref }
email-alert-review-tag = (to be checked)
email-alert-subject = [Vigie] { $what }: { $product } { $version }{ $review } — { $structure }
email-alert-intro = Vigie raised an alert for { $structure }:
email-alert = Alert
email-product = Product
email-version = Version
email-alert-title = Title
email-priority = Priority
email-why = Why
email-alert-review = The version could not be compared with certainty: a person needs to check it.
email-alert-follow = Details and follow-up (acknowledged, fixed, not affected)
email-alert-link = Details and follow-up of the alert
email-reason-kev = Actively exploited: added to CISA's KEV catalogue on { $date }
email-reason-kev-undated = Actively exploited (CISA's KEV catalogue)
email-reason-certfr-alert = CERT-FR alert: { $refs }
email-reason-certfr-advisory = CERT-FR advisory: { $refs }
email-reason-epss = Probability of exploitation (EPSS): { $epss }
email-reason-cvss = CVSS score: { $cvss }
email-reason-exposed = Exposed on the internet
email-reason-eol = Out of support since { $date }

## Weekly bulletin (watch.bulletin)
email-bulletin-title = Vigie watch bulletin
email-bulletin-title-for = Vigie watch bulletin — { $territory }
email-bulletin-title-region = Vigie watch bulletin — { $territory } region
email-bulletin-subject = [Vigie] { $title } — week { $week }
email-bulletin-week = Week { $week }
email-bulletin-summary = { $alerts ->
        [one] { $alerts } new alert
       *[other] { $alerts } new alerts
    } and { $advisories ->
        [one] { $advisories } new advisory
       *[other] { $advisories } new advisories
    } this week.
email-bulletin-nothing = No new alert this week.
email-bulletin-advisories = New advisories that concern you
email-bulletin-alerts = This week's alerts
email-bulletin-advisory = Advisory
email-bulletin-exploited-col = Exploited (KEV)
email-bulletin-exploited = exploited
email-bulletin-structures-col = Structures concerned
email-bulletin-structures = { $count ->
        [one] { $count } structure
       *[other] { $count } structures
    }
email-bulletin-priority = priority { $priority }
email-bulletin-online = The bulletin online
email-sector-subject = [Vigie] Sector alert: { $product } ({ $structure })
email-sector-from-cert = The health-sector CERT
email-sector-from-region = The regional cyber resource centre of { $region }
email-sector-intro = { $from } warns you: an attack on a health structure went through { $product }, which { $structure } runs according to its inventory.
email-sector-product = Product
email-sector-versions = Your versions
email-sector-exposed = This product is exposed to the internet at your structure.
email-sector-advisory = Vulnerability
email-sector-tlp-note = This message is marked under the TLP protocol: share it only with the people of your structure who need it.
email-sector-follow = Your structure in Vigie
email-sector-link = See your structure in Vigie
