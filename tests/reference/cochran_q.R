# Cochran's Q, fixed-effect mean and I^2 by metafor, for tests/test_analyses.py
# (the heterogeneity check of analyses/02_compare_sites.py).
# Run from tests/reference: Rscript cochran_q.R
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
cases <- list(
  list(yi = c(0.05, 0.12, -0.03), sei = c(0.04, 0.05, 0.06)),
  list(yi = c(1.2, 0.4, 2.9, -0.5), sei = c(0.9, 1.1, 0.7, 1.3)),
  list(yi = c(0.010, 0.011), sei = c(0.02, 0.03))
)
out <- lapply(cases, function(cs) {
  fit <- rma(yi = cs$yi, sei = cs$sei, method = "FE")
  list(yi = cs$yi, sei = cs$sei, fixed_effect = unname(coef(fit)), std_error = fit$se,
       q = fit$QE, df = fit$k - 1, p_value = fit$QEp, i2 = fit$I2 / 100)
})
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "cochran_q.json")
