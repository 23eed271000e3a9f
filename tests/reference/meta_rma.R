# Random-effects pooling by metafor::rma, for tests/test_stats_meta.py
# (trustexp.stats.meta.random_effects): REML, DL and PM, each with the normal
# distribution (test = "z"), Knapp-Hartung (test = "knha") and Knapp-Hartung
# with the ad hoc correction (test = "adhoc"), with predict()'s intervals: the default
# (pi_metafor_*), pi.type = "riley" (pi_hts_*) and pi.type = "riley" of the Sidik-Jonkman
# fit with the same test (pi_low, pi_high: trustexp's default).
# Run from tests/reference: Rscript meta_rma.R
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
set.seed(20261201)
cases <- list(
  list(name = "three_sites", yi = c(0.05, 0.12, -0.03), sei = c(0.04, 0.05, 0.06)),
  list(name = "four_heterogeneous", yi = c(1.2, 0.4, 2.9, -0.5), sei = c(0.9, 1.1, 0.7, 1.3)),
  list(name = "six_homogeneous", yi = c(2.1, 2.5, 2.2, 2.4, 2.3, 2.4), sei = c(2.8, 3.1, 2.9, 3.3, 3.0, 2.7)),
  list(name = "two", yi = c(0.010, 0.031), sei = c(0.02, 0.03)),
  list(name = "five_random", yi = round(rnorm(5, 0.04, 0.05), 4), sei = round(runif(5, 0.02, 0.06), 4)),
  list(name = "six_spread", yi = c(-0.08, 0.02, 0.11, 0.05, -0.01, 0.19), sei = c(0.03, 0.04, 0.05, 0.035, 0.06, 0.045))
)
out <- list()
for (cs in cases) {
  for (m in c("REML", "DL", "PM")) {
    for (tt in c("z", "knha", "adhoc")) {
      fit <- rma(yi = cs$yi, sei = cs$sei, method = m, test = tt,
                 control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000))
      pr <- predict(fit)
      ph <- predict(fit, pi.type = "riley")
      ps <- predict(rma(yi = cs$yi, sei = cs$sei, method = "SJ", test = tt), pi.type = "riley")
      out[[length(out) + 1]] <- list(
        case = cs$name, yi = cs$yi, sei = cs$sei, method = tolower(m), test = tt,
        estimate = unname(coef(fit)), std_error = fit$se, statistic = fit$zval,
        p_value = fit$pval, ci_low = fit$ci.lb, ci_high = fit$ci.ub, tau2 = fit$tau2,
        i2 = fit$I2 / 100, q = fit$QE, q_p_value = fit$QEp, pi_low = ps$pi.lb, pi_high = ps$pi.ub,
        pi_hts_low = ph$pi.lb, pi_hts_high = ph$pi.ub, pi_metafor_low = pr$pi.lb, pi_metafor_high = pr$pi.ub)
    }
  }
}
writeLines(toJSON(list(metafor = as.character(packageVersion("metafor")), fits = out),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "meta_rma.json")
