# metafor::rma (REML, test = "adhoc") and predict (pi_metafor_*; pi_low, pi_high: predict with
# pi.type = "riley" of the Sidik-Jonkman fit, trustexp's default) on each trial's estimates when the
# demo is pooled with a second simulated trial (pool_demo_inputs.json, written by
# pool_demo_inputs.py), for tests/test_pool_reference.py.
# Run from tests/reference: Rscript pool_demo.R
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
d <- fromJSON("pool_demo_inputs.json")
out <- list()
for (key in unique(paste(d$outcome, d$arm))) {
  s <- d[paste(d$outcome, d$arm) == key, ]
  r <- rma(yi = s$estimate, sei = s$std_error, method = "REML", test = "adhoc",
           control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000))
  pr <- predict(r)
  ps <- predict(rma(yi = s$estimate, sei = s$std_error, method = "SJ", test = "adhoc"), pi.type = "riley")
  out[[length(out) + 1]] <- list(outcome = s$outcome[1], arm = s$arm[1], estimate = unname(coef(r)),
    std_error = r$se, p_value = r$pval, ci_low = r$ci.lb, ci_high = r$ci.ub, tau2 = r$tau2,
    i2 = r$I2 / 100, q = r$QE, q_p_value = r$QEp, pi_low = ps$pi.lb, pi_high = ps$pi.ub,
    pi_metafor_low = pr$pi.lb, pi_metafor_high = pr$pi.ub)
}
writeLines(toJSON(list(metafor = as.character(packageVersion("metafor")), pooled = out),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "pool_demo.json")
