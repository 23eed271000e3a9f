# Month-by-month effects of data/paths_panel.csv (written by timing_data.py), for
# tests/test_paths_reference.py: for each month, estimatr::lm_robust of y on the arm,
# stratum fixed effects and x, over the persons observed that month, with HC2 and with
# CR2 clustered at 'cluster'. Run from tests/reference: Rscript paths.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
d <- read.csv("data/paths_panel.csv")
res <- list()
for (se in c("HC2", "CR2")) {
  rows <- list()
  for (t in sort(unique(d$month))) {
    sub <- d[d$month == t, ]
    fit <- if (se == "HC2") {
      lm_robust(y ~ factor(arm) + factor(stratum) + x, data = sub, se_type = "HC2")
    } else {
      lm_robust(y ~ factor(arm) + factor(stratum) + x, data = sub, se_type = "CR2",
                clusters = cluster)
    }
    tt <- tidy(fit)
    tt <- tt[tt$term %in% c("factor(arm)1", "factor(arm)2"), ]
    rows[[length(rows) + 1]] <- list(month = t, estimate = tt$estimate,
                                     std_error = tt$std.error, df = tt$df,
                                     p_value = tt$p.value, ci_low = tt$conf.low)
  }
  res[[se]] <- rows
}
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE), "paths.json")
