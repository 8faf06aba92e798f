# The problems the storage layer (vigie-store) reports: a mistake in what a person entered or
# gave. Each key is named after the part of the store that reports it; its arguments are
# described in the code that raises it.

## Accounts

accounts-cannot-disable-self = You cannot disable your own account.
accounts-cannot-change-own-access = You cannot change your own role or scope.
accounts-display-name-invalid = The display name is required and may not exceed { $max } characters.
accounts-email-invalid = “{ $value }” is not a valid e-mail address.
accounts-ght-unknown = GHT no. { $id } does not exist.
accounts-grant-outside-scope = The role “{ $role }” with this scope goes beyond your own scope.
accounts-locale-unknown = The language “{ $value }” is not offered: choose fr or en.
accounts-mfa-required = The role “{ $role }” requires a second factor: it cannot be turned off.
accounts-oidc-no-password = This account signs in through its identity provider: it has no Vigie password.
accounts-oidc-managed-access = This account's role and scope come from its identity provider at each sign-in: change them there.
accounts-admin-reset-cli = An administrator's password is reset on the command line (vigie admin), not by another administrator.
accounts-oidc-ght-unknown = The GHT “{ $code }” given by the identity provider is unknown to Vigie.
accounts-password-too-long = The password may not exceed { $max } characters.
accounts-password-too-short =
    The password needs at least { $min } characters; { $count ->
        [one] this one has one.
       *[other] this one has { $count }.
    }
accounts-region-unknown = “{ $value }” is not a region code.
accounts-reset-own-password = Change your own password from “My account”.
accounts-role-above-own = You cannot give or change the role “{ $role }”: it is above your own.
accounts-role-needs-ght = The role “{ $role }” requires a GHT.
accounts-role-needs-region = The role “{ $role }” requires a region.
accounts-role-needs-structure = The role “{ $role }” requires at least one structure.
accounts-structure-unknown = Structure no. { $id } does not exist.
accounts-token-name-invalid = The token’s name is required and may not exceed { $max } characters.
accounts-totp-offer-invalid = This second-factor key was not offered by Vigie to this account: start again.
accounts-totp-offer-expired = This second-factor key was offered more than 15 minutes ago: a new key is offered, scan it again.

## Backups and migrations

archive-column-unknown = The archive gives table { $table } an unknown column: { $column }.
archive-format-unsupported = Archive format { $format } is not supported.
archive-not-an-archive = This file is not a Vigie archive ({ $detail }).
archive-row-invalid = Row { $row } of table { $table } of the archive cannot be read ({ $detail }).
archive-row-width =
    Row { $row } of table { $table } of the archive has { $found ->
        [one] one value
       *[other] { $found } values
    } instead of { $expected }.
archive-schema-too-new = The archive comes from schema version { $version }, newer than this build of Vigie knows ({ $known }): upgrade Vigie before restoring it.
archive-table-line-invalid = The header of table { $table } in the archive cannot be read ({ $detail }).
archive-table-unexpected = The archive holds table { $found } where table { $expected } was expected.
archive-target-not-empty =
    The target database is not empty (table { $table } has { $rows ->
        [one] one row
       *[other] { $rows } rows
    }): a restore only goes into an empty database.
archive-truncated = The archive ends early (line { $line }).
archive-unreadable = Line { $line } of the archive cannot be read ({ $detail }).
archive-value-type = In row { $row } of table { $table } of the archive, column { $column } holds a value of the wrong type.
migrate-schema-too-new = The database is at schema version { $version }, newer than this build of Vigie knows ({ $known }): upgrade Vigie before using this database.

## Configuration

db-url-invalid = The database URL is wrong ({ $detail }).
db-url-scheme = The database URL must start with sqlite: or postgres: (it starts with “{ $scheme }”).
secrets-key-malformed = The secret key must be 32 bytes, written as 64 hexadecimal digits or in base64 (to make one: openssl rand -hex 32).

## Incidents

incidents-assignee-invalid = Account { $id } cannot be given this incident: it takes an analyst whose scope covers the structure.
incidents-date-in-future = The date of the field “{ $field }” is in the future.
incidents-date-nonexistent = “{ $value }” (field “{ $field }”) does not exist in the { $zone } time zone: the clocks went forward one hour at that moment.
incidents-date-unreadable = “{ $value }” (field “{ $field }”) is not a date and time: write YYYY-MM-DDTHH:MM, for example 2026-03-02T07:40.
incidents-detected-before-occurred = The detection (field “{ $field }”) cannot come before the incident occurred.
incidents-email-invalid = “{ $value }” (field “{ $field }”) is not a valid e-mail address.
incidents-field-required = The field “{ $field }” is required.
incidents-field-too-long = The field “{ $field }” must not exceed { $max } characters.
incidents-not-draft = This declaration is no longer a draft ({ $status }): it cannot be changed any more; add a note instead.
incidents-note-invalid = Write the note, in { $max } characters at most.
incidents-notification-not-owed = The incident does not owe the notification “{ $rule }”.
incidents-observable-duplicate = The observable “{ $value }” is already recorded on this incident.
incidents-observable-invalid = “{ $value }” is not a valid { $kind } ({ $reason }).
incidents-person-invalid = “{ $value }” names no active account that may see this structure's incidents.
incidents-source-unknown = Number { $id } (field “{ $field }”) names no finding or alert of this structure.
incidents-status-move-invalid = An incident in status “{ $from }” cannot move to status “{ $to }”.
incidents-still-draft = This incident is still a draft: it is handled once the declaration is submitted.
incidents-sector-product-invalid = Give the product: its inventory key (200 characters at most), for example fortinet:fortios.
incidents-sector-advisory-invalid = The vulnerability is written as an advisory id (letters, digits, dashes, 64 characters at most), for example CVE-2024-55591.
incidents-sector-message-invalid = Write the message to the structures ({ $max } characters at most).
incidents-sector-tlp-invalid = A sector alert is marked TLP:CLEAR, TLP:GREEN or TLP:AMBER: it goes to many structures.
incidents-sector-nobody = No structure of your scope runs "{ $product }" according to the inventories: nothing was sent.
incidents-time-zone-unknown = “{ $value }” (field “{ $field }”) is not a known time zone (for example Europe/Paris, America/Cayenne).
incidents-type-origin-mismatch = The type “{ $type }” (field “{ $field }”) does not match the origin “{ $origin }”.
incidents-value-unknown = “{ $value }” is not an accepted value for the field “{ $field }”.

## Notifications

notify-kind-unknown = “{ $value }” is not a kind of notification: tick among those the page offers.
notify-webhook-events-invalid = “{ $value }” is not a list of events: give prefixes separated by commas, such as watch.alert,scan.finding.
notify-webhook-name-invalid = The webhook’s name is required and may not exceed { $max } characters.
notify-webhook-url-credentials = The address “{ $url }” contains credentials: they do not belong in the address, the signature authenticates Vigie.
notify-webhook-url-malformed = The webhook’s address may contain no spaces and may not exceed { $max } characters.
notify-webhook-url-no-host = The address “{ $url }” names no server.
notify-webhook-url-refused = The address “{ $url }” leads to { $host }, which is not a public internet address ({ $class }): Vigie only calls webhooks on the internet, never its own host or a private network.
notify-webhook-url-scheme = The address “{ $url }” must start with https:// (or http://).
notify-webhook-url-unresolved = The name { $host } of the address “{ $url }” does not resolve: check the address (Vigie only calls webhooks whose name resolves to public internet addresses).

## Registry of structures

registry-asset-attestation-required = Say who attests that the structure owns this asset.
registry-asset-empty = The asset is empty.
registry-asset-host-bits-set = “{ $value }” is not the start of a range: did you mean { $network }?
registry-asset-invalid-ip = “{ $value }” is neither an IP address nor a CIDR range.
registry-asset-invalid-label = The domain “{ $value }” has an invalid label: “{ $label }”.
registry-asset-invalid-prefix = The prefix length “{ $prefix }” of “{ $value }” is invalid.
registry-asset-non-ascii = The domain “{ $value }” contains non-ASCII characters: write internationalised names in their xn-- form.
registry-asset-range-too-broad = The range “{ $value }” is too broad: a /{ $prefix } prefix is shorter than the minimum, /{ $minimum }.
registry-asset-single-label = The domain “{ $value }” needs at least two labels.
registry-asset-too-long = The domain “{ $value }” is longer than { $max } characters.
registry-asset-trailing-dot = The domain “{ $value }” may not end with a dot.
registry-asset-wildcard = The domain “{ $value }” may not contain a wildcard (*).
registry-contact-email-invalid = “{ $value }” is not a valid e-mail address.
registry-contact-name-invalid = The contact’s name is required and may not exceed { $max } characters.
registry-contact-phone-invalid = “{ $value }” is not a French phone number.
registry-ght-code-name-required = The GHT’s code and name are required.
registry-ght-region-unknown = GHT { $code } gives an unknown region code: “{ $region }”.
registry-ght-structure-other-region = Structure { $finess } is in region { $region }, not in the GHT’s region ({ $ght_region }).
registry-ght-structure-unknown = Structure { $finess } is not in the registry.
registry-import-department-unknown = Unknown department code: “{ $value }”.
registry-import-department-without-region = Department { $department } belongs to no region.
registry-import-empty = The file is empty: nothing was imported.
registry-import-empty-line = Empty line.
registry-import-field-count =
    The line has { $found ->
        [one] one field
       *[other] { $found } fields
    } instead of { $expected }.
registry-import-finess-character = Field { $field } ({ $name }): the character “{ $found }” is not allowed at position { $position }.
registry-import-finess-department = Field { $field } ({ $name }): unknown department prefix “{ $prefix }”.
registry-import-finess-key = Field { $field } ({ $name }): wrong check key ({ $expected } expected, { $found } found).
registry-import-finess-length =
    Field { $field } ({ $name }): a FINESS number has 9 characters, { $found ->
        [one] this one has one.
       *[other] this one has { $found }.
    }
registry-import-flag = Field { $field } ({ $name }): 1 or 0 expected, “{ $value }” found.
registry-import-metadata-date = The metadata line’s date, “{ $value }”, is not written YYYY-MM-DD: nothing was imported.
registry-import-missing-column = The header lacks the column “{ $column }” (expected: { $expected }): nothing was imported.
registry-import-no-separator = The header has neither “;” nor “,” (expected: { $expected }): nothing was imported.
registry-import-no-source = The metadata line names no source: nothing was imported.
registry-import-not-finess = The first line is not the metadata line of a FINESS extract (it starts with “{ $found }”): nothing was imported.
registry-import-required = Field { $field } ({ $name }): may not be empty.
registry-import-unknown-region = Field { $field } ({ $name }): unknown region code “{ $value }”.
registry-import-unreadable = Line { $line } of the file cannot be read ({ $detail }): the import stopped there.

## Surveillance of exposure

surveillance-diff-other-structure = Scans { $from } and { $to } are of two different structures: a comparison is between two scans of one structure.
surveillance-finding-already-fixed = Finding no. { $finding } is fixed (verified by scan no. { $scan }): there is nothing to acknowledge.
surveillance-interval-out-of-range = An interval of { $hours } hours is not allowed: choose between { $min } hour and 366 days ({ $max } hours).
surveillance-region-unknown = “{ $value }” is not a region code (for example 84, 11 or 03).
surveillance-scan-finished = Scan no. { $scan } has already ended ({ $status }): its results are kept as they are.
surveillance-triage-note-invalid = Say what is done about this finding, in { $max } characters at most.

## Vulnerability watch

watch-alert-reason-required = Say why the structure is not affected.
watch-alert-reason-too-long = The reason may not exceed { $max } characters.
watch-alert-status-unknown = There is no status “{ $value }”; the statuses are: { $allowed }.
watch-inventory-exposed-invalid = “{ $value }” does not say whether the software is exposed: write yes or no (or 1 or 0).
watch-inventory-header-columns = The header must name the columns product and version (it names: { $found }).
watch-inventory-header-unreadable = The file’s header cannot be read ({ $detail }).
watch-inventory-line-unreadable = The line cannot be read ({ $detail }).
watch-inventory-location-invalid = The location may not exceed { $max } characters nor contain control characters.
watch-inventory-origin-unknown = The origin “{ $value }” is unknown; the origins are: { $allowed }.
watch-inventory-version-empty = The version is empty: say which version runs, for example 7.0.12.
watch-inventory-version-invalid = The version may not exceed { $max } characters nor contain control characters.
watch-inventory-file-unreadable = The file cannot be read ({ $detail }).
watch-inventory-not-utf8 = The file is not UTF-8 (invalid byte at offset { $offset }, line { $line }): save it as UTF-8 and import it again.
watch-upload-unrecognised = “{ $name }” is not an advisory document Vigie reads: send a CVE JSON 5 record, an NVD 2.0 feed, CISA's KEV catalogue (JSON), an EPSS file (CSV), a CERT-FR advisory (JSON) or an endoflife.date file.
watch-inventory-product-bad-cpe = “{ $value }” is not a valid CPE.
watch-inventory-product-bad-purl = “{ $value }” is not a valid purl.
watch-inventory-product-empty = No product is given.
watch-inventory-product-invalid = The product name may not exceed { $max } characters nor contain control characters.
watch-inventory-product-shared-name = Several catalogue products share this name ({ $candidates }): kept as the open product “{ $key }”; give the catalogue id to be precise.
watch-inventory-product-unresolved = The product could not be resolved ({ $detail }).
watch-inventory-product-wildcard-cpe = The CPE “{ $value }” names no single product (its vendor or product is a wildcard).
watch-sbom-component-no-name = This component has no name.
watch-sbom-not-cyclonedx = This SBOM is not in the CycloneDX format (only CycloneDX JSON is read).
watch-sbom-not-json = This SBOM is not valid JSON ({ $detail }).
watch-scan-distribution-package = { $product } { $version } is a distribution package ({ $distribution }): its backported fixes are unknown, so it is not added to the inventory.
watch-week-invalid = “{ $value }” is not a week: write it YYYY-Www, for example 2026-W47.

# Analyst pages (issue 17): bulk triage of an advisory's alerts.
watch-alerts-none-selected = Tick at least one alert.
watch-alerts-too-many = No more than { $max } alerts at once.

# Files people give (incident attachments, evidence of a plan's action) refused.
files-empty = The file is empty.
files-too-large = The file is larger than allowed ({ $max_mib } MiB).
files-name = The name “{ $name }” is not a plain file name (no folder, no “..”, no control character).
files-type = This type of file is not accepted: only PDF, PNG, JPEG, GIF images and text files are (the type is read from the content, not the name).
files-extension = The name ends in .{ $extension } but the content is a { $detected } file: rename it or send the right file.
