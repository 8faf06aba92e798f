# The observatory of incidents (issue 15): pages, report, import, open data.
nav-observatory = Observatory
observatory-title = Observatory of information-system security incidents
observatory-subtitle = Health and medico-social sectors
observatory-period = Period
observatory-period-year = Year
observatory-period-quarter = Quarter
observatory-period-month = Month
observatory-period-custom = Chosen dates
observatory-year = Year
observatory-quarter = Quarter
observatory-month = Month
observatory-from = From
observatory-to = To (included)
observatory-territory = Territory
observatory-france = All of France
observatory-show = Show
observatory-pdf = PDF report
observatory-opendata = Open data (CSV)
observatory-json = Data (JSON)
observatory-print = Print
observatory-import-link = Import the history
observatory-range = from { $from } to { $to }
observatory-summary = Summary
observatory-key-figures = Key figures
observatory-kf-declarations = { $count ->
    [one] declaration
   *[other] declarations
}
observatory-kf-structures = { $count ->
    [one] structure declaring
   *[other] structures declaring
}
observatory-kf-malicious = of malicious origin
observatory-kf-care = with an impact on patient care
observatory-kf-no-ops = without impact on operations
observatory-kf-support = { $count ->
    [one] support request
   *[other] support requests
}
observatory-kf-supported = { $count ->
    [one] structure given technical support
   *[other] structures given technical support
}
observatory-kf-major = { $count ->
    [one] major incident
   *[other] major incidents
}
observatory-kf-ransomware = { $count ->
    [one] ransomware
   *[other] ransomware
}
observatory-summary-text = { $declarations ->
    [one] One security incident declaration
   *[other] { $declarations } security incident declarations
} { $range } ({ $territory }). { $malicious } were of malicious origin, { $care } had an impact on patient care and { $noops } had no impact on the structures' operations. { $support ->
    [0] No support request.
    [one] One support request.
   *[other] { $support } support requests.
}
observatory-summary-empty = No declaration { $range } ({ $territory }).
observatory-yoy-text = Same period one year before: { $count } ({ $change }).
observatory-yoy-none = Same period one year before: no declaration.
observatory-ch-declarations = Declarations
observatory-ch-declarations-intro = The declarations received month by month, and the comparison with the same period one year before.
observatory-ch-origin = Origin and nature of incidents
observatory-ch-origin-intro = The origin of the incidents declared, the type of the malicious ones and the cause of the others.
observatory-ch-when = When incidents are declared
observatory-ch-when-intro = The day of the week and the hour of the declaration (Paris time).
observatory-ch-impact = Consequences
observatory-ch-impact-intro = The impact on patient care and on operations, and the state of the incident when declared.
observatory-ch-where = Where
observatory-ch-where-intro = The region and the kind of structure declaring.
observatory-ch-delays = Delays
observatory-ch-delays-intro = The time from occurrence to detection, then from detection to declaration, for the declarations that give both dates.
observatory-ch-method = Method
observatory-by-month = Declarations by month
observatory-by-origin = Declarations by origin
observatory-by-malicious-type = Malicious incidents by type
observatory-by-cause = Non-malicious incidents by cause
observatory-by-weekday = Declarations by day of the week
observatory-by-hour = Declarations by hour
observatory-by-care = Impact on patient care
observatory-by-ops = Impact on operations
observatory-by-state = State of the incident when declared
observatory-by-region = Declarations by region
observatory-by-sector = Declarations by kind of structure
observatory-declarations = Declarations
observatory-share = Share
observatory-month-col = Month
observatory-origin-col = Origin
observatory-type-col = Type
observatory-cause-col = Cause
observatory-weekday-col = Day
observatory-hour-col = Hour
observatory-impact-col = Impact
observatory-state-col = State
observatory-region-col = Region
observatory-sector-col = Kind of structure
observatory-structures-col = Structures declaring
observatory-yoy = Year over year
observatory-yoy-figure = Figure
observatory-yoy-now = Period
observatory-yoy-before = One year before
observatory-delay = Delay
observatory-delay-count = Declarations
observatory-delay-p25 = First quartile
observatory-delay-median = Median
observatory-delay-p75 = Third quartile
observatory-delay-p90 = Ninth decile
observatory-delay-detection = Occurrence to detection
observatory-delay-declaration = Detection to declaration
observatory-delay-unknown = —
observatory-weekday-0 = Monday
observatory-weekday-1 = Tuesday
observatory-weekday-2 = Wednesday
observatory-weekday-3 = Thursday
observatory-weekday-4 = Friday
observatory-weekday-5 = Saturday
observatory-weekday-6 = Sunday
observatory-sector-sanitaire = Health-care establishment
observatory-sector-medico_social = Medico-social structure
observatory-sector-other = Other structure
observatory-unspecified = Not specified
observatory-alt = Description of the chart
observatory-method-1 = Counted are the incident declarations sent to the health CERT (never drafts) and the past declarations imported from a file, by the date of their declaration, Paris time. A structure may declare one incident several times, and many incidents are never declared: these are declarations, not incidents.
observatory-method-2 = Shares are of the declarations. "With an impact on care": any impact but "none"; "without impact on operations": an operations impact declared "none". Imported declarations carry a region and a kind of structure but no structure: they count neither among the structures declaring nor in GHTs.
observatory-method-3 = Delays: median and quartiles by nearest rank, to the minute, over the declarations that give both dates in order.
observatory-method-4 = Open data: no count from 1 to 4 is published; more counts are hidden (secondary suppression) so that no hidden count can be recovered from the published totals.
observatory-bad_period = Invalid period ({ $detail }).
observatory-bad_territory = Unknown territory: { $value }.
observatory-import-title = Import the history of declarations
observatory-import-intro = A CSV file (semicolons or commas), one header line, one declaration a line. Required columns: id, declared_at (with its offset), region, structure_kind, origin, type, care_impact, no_operations_impact, support_requested, major; optional: occurred_at, detected_at, state.
observatory-import-file = CSV file
observatory-import-skip = Import the valid rows and skip the rows in error
observatory-import-submit = Import
observatory-import-count = { $count ->
    [0] No imported declaration is in the database yet.
    [one] One imported declaration is in the database.
   *[other] { $count } imported declarations are in the database.
}
observatory-import-done = { $count ->
    [0] No declaration imported.
    [one] One declaration imported.
   *[other] { $count } declarations imported.
}
observatory-import-refused = Nothing was imported: { $count ->
    [one] one row is in error
   *[other] { $count } rows are in error
}. Correct the file or tick "skip the rows in error".
observatory-import-skipped = { $count ->
    [one] One row skipped.
   *[other] { $count } rows skipped.
}
observatory-import-line = Line
observatory-import-reason = Reason
observatory-import-bad_date = Column { $column }: "{ $value }" is not a time with its offset (2023-03-14T09:30:00+01:00).
observatory-import-bad_boolean = Column { $column }: "{ $value }" is neither yes nor no.
observatory-import-bad_value = Column { $column }: unknown value "{ $value }".
observatory-import-type_origin = The type { $type } does not fit the origin { $origin }.
observatory-import-duplicate = Identifier "{ $value }" twice in the file.
observatory-import-already = Identifier "{ $value }" already imported.
observatory-import-empty = Column { $column } is empty.
observatory-import-future = Column { $column }: "{ $value }" is in the future.
observatory-import-dates_order = Dates out of order (occurrence, detection, declaration).
observatory-import-unreadable = Unreadable row.
observatory-import-no_header = The file has no header line.
observatory-import-missing_column = The column { $column } is missing.
observatory-import-too_large = File too large (at most { $max } bytes).
observatory-import-too_many = Too many rows (at most { $max }).
observatory-import-no_file = Choose a file.
