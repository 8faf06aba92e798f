## Charts (vigie_report::chart)
chart-map-unknown-codes = { $count ->
        [one] { $count } code is not on the map
       *[other] { $count } codes are not on the map
    }: { $codes }.
