## Charts (vigie_report::chart)
chart-map-unknown-codes = { $count ->
        [one] { $count } code is not on the map
       *[other] { $count } codes are not on the map
    }: { $codes }.
chart-value = Value
chart-category = Category
chart-total = Total
chart-date = Date
chart-code = Code
chart-region = Region
chart-department = Department
chart-class = Class
chart-map-zoom = Paris and inner suburbs
chart-no-data = no data
chart-class-under = under { $value }
chart-class-range = { $from } to { $to }
chart-class-over = { $value } or more
chart-describe-empty = No data.
chart-describe-count = { $count ->
        [one] { $count } value.
       *[other] { $count } values.
    }
chart-describe-extremes = Highest: { $max_label } ({ $max }); lowest: { $min_label } ({ $min }).
chart-describe-one = { $label }: { $value }.
chart-describe-same = All values are { $value }.
chart-describe-stacked = { $count ->
        [one] { $count } category
       *[other] { $count } categories
    }, { $series ->
        [one] { $series } series.
       *[other] { $series } series.
    }
chart-describe-period = { $series ->
        [one] { $series } series
       *[other] { $series } series
    } from { $from } to { $to }.
chart-describe-series = { $name }: from { $first } to { $last }.
chart-describe-map-regions = { $with ->
        [one] { $with } region of { $all } has a value.
       *[other] { $with } regions of { $all } have a value.
    }
chart-describe-map-departments = { $with ->
        [one] { $with } department of { $all } has a value.
       *[other] { $with } departments of { $all } have a value.
    }

## PDF documents (vigie_report::pdf)
pdf-page = page { $page } / { $pages }
pdf-contents = Contents
