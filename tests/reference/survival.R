# Survival analysis of time to exit, for tests/test_survival_reference.py.
# Data: data/survival_demo.csv (the demo's pooled time_to_exit_24m, written by
# timing_data.py) and data/survival_clustered.csv (simulated: clusters randomised within
# blocks, frailty, censoring). Arm 0 is control. For each data set:
#   - Kaplan-Meier per arm (survfit, conf.type "log") at months 1..24: survival,
#     std.err, lower, upper, n.risk;
#   - RMST over [0, 24] per arm with its se: print(survfit, rmean = 24);
#   - log-rank of each arm against control within blocks: survdiff(~ arm + strata(block));
#   - Cox hazard ratios of all arms: coxph(~ factor(arm) + strata(block), ties = "efron",
#     cluster = cluster) (the demo: cluster = person, i.e. robust per person).
# Run from tests/reference: Rscript survival.R
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

one <- function(file) {
  d <- read.csv(file)
  arms <- sort(unique(d$arm))
  km <- list(); rm <- list()
  for (a in arms) {
    f <- survfit(Surv(time, event) ~ 1, data = d[d$arm == a, ], conf.type = "log")
    s <- summary(f, times = 1:24, extend = TRUE)
    km[[as.character(a)]] <- list(survival = s$surv, std_error = s$std.err,
                                  ci_low = s$lower, ci_high = s$upper, n_at_risk = s$n.risk)
    tab <- summary(f, rmean = 24)$table
    rm[[as.character(a)]] <- list(rmst = unname(tab["rmean"]), se = unname(tab["se(rmean)"]))
  }
  lr <- list()
  for (a in arms[arms != 0]) {
    sub <- d[d$arm %in% c(0, a), ]
    t <- survdiff(Surv(time, event) ~ arm + strata(block), data = sub)
    lr[[as.character(a)]] <- list(chisq = t$chisq, p_value = 1 - pchisq(t$chisq, 1))
  }
  fit <- coxph(Surv(time, event) ~ factor(arm) + strata(block), data = d, ties = "efron",
               cluster = cluster)
  list(km = km, rmst = rm, logrank = lr,
       cox = list(coef = unname(coef(fit)), robust_se = unname(sqrt(diag(fit$var))),
                  naive_se = unname(sqrt(diag(fit$naive.var)))))
}

out <- list(demo = one("data/survival_demo.csv"), clustered = one("data/survival_clustered.csv"),
            r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "survival.json")
