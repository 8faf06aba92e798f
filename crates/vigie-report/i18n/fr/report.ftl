## Graphiques (vigie_report::chart)
chart-map-unknown-codes = { $count ->
        [one] { $count } code n'est pas sur la carte
       *[other] { $count } codes ne sont pas sur la carte
    } : { $codes }.
