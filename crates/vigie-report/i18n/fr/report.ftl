## Graphiques (vigie_report::chart)
chart-map-unknown-codes = { $count ->
        [one] { $count } code n'est pas sur la carte
       *[other] { $count } codes ne sont pas sur la carte
    } : { $codes }.
chart-value = Valeur
chart-category = Catégorie
chart-total = Total
chart-date = Date
chart-code = Code
chart-region = Région
chart-department = Département
chart-class = Classe
chart-map-zoom = Paris et petite couronne
chart-no-data = sans donnée
chart-class-under = moins de { $value }
chart-class-range = { $from } à { $to }
chart-class-over = { $value } et plus
chart-describe-empty = Aucune donnée.
chart-describe-count = { $count ->
        [one] { $count } valeur.
       *[other] { $count } valeurs.
    }
chart-describe-extremes = La plus élevée : { $max_label } ({ $max }) ; la plus basse : { $min_label } ({ $min }).
chart-describe-one = { $label } : { $value }.
chart-describe-same = Toutes les valeurs valent { $value }.
chart-describe-stacked = { $count ->
        [one] { $count } catégorie
       *[other] { $count } catégories
    }, { $series ->
        [one] { $series } série.
       *[other] { $series } séries.
    }
chart-describe-period = { $series ->
        [one] { $series } série
       *[other] { $series } séries
    } du { $from } au { $to }.
chart-describe-series = { $name } : de { $first } à { $last }.
chart-describe-map-regions = { $with ->
        [one] { $with } région sur { $all } a une valeur.
       *[other] { $with } régions sur { $all } ont une valeur.
    }
chart-describe-map-departments = { $with ->
        [one] { $with } département sur { $all } a une valeur.
       *[other] { $with } départements sur { $all } ont une valeur.
    }

## Documents PDF (vigie_report::pdf)
pdf-page = page { $page } / { $pages }
pdf-contents = Sommaire
