# Minimum detectable effects by formula, for tests/test_design_power.py.
# power.t.test / power.prop.test for equal groups; a hand calculation (uniroot
# on the noncentral t, design effect of clusters written out) for unequal
# groups, covariate R^2 and clusters. Run: Rscript design_power.R
library(jsonlite)

t_cases <- list()
for (n in c(20, 100, 250)) for (sd in c(1, 2500)) for (alpha in c(0.05, 0.05 / 3)) for (pw in c(0.8, 0.9)) {
  d <- power.t.test(n = n, sd = sd, sig.level = alpha, power = pw, tol = 1e-12)$delta
  t_cases[[length(t_cases) + 1]] <- list(n = n, sd = sd, alpha = alpha, power = pw, delta = d)
}
p_cases <- list()
for (n in c(100, 200, 800)) for (p1 in c(0.15, 0.4)) for (alpha in c(0.05, 0.05 / 3)) for (pw in c(0.8, 0.9)) {
  p2 <- power.prop.test(n = n, p1 = p1, sig.level = alpha, power = pw, tol = 1e-12)$p2
  p_cases[[length(p_cases) + 1]] <- list(n = n, p1 = p1, alpha = alpha, power = pw, p2 = p2)
}

# Hand calculation: design effect 1 + ((1 + cv^2) m - 1) icc, standard error
# sd * sqrt((1 - r2) * deff * (1/n1 + 1/n0)), df given, power from pt(ncp).
hand <- function(sd, n1, n0, alpha, pw, r2, icc, m, cv, df) {
  deff <- 1 + ((1 + cv^2) * m - 1) * icc
  se <- sd * sqrt((1 - r2) * deff * (1 / n1 + 1 / n0))
  crit <- qt(alpha / 2, df, lower.tail = FALSE)
  f <- function(d) pt(crit, df, ncp = d / se, lower.tail = FALSE) - pw
  d <- uniroot(f, c(0, 10 * se), tol = 1e-12)$root
  list(sd = sd, n1 = n1, n0 = n0, alpha = alpha, power = pw, r2 = r2, icc = icc, m = m, cv = cv,
       df = df, deff = deff, delta = d)
}
h_cases <- list(
  hand(1, 150, 300, 0.05, 0.8, 0, 0, 1, 0, 448),
  hand(1, 200, 200, 0.05, 0.8, 0.2, 0, 1, 0, 398),
  hand(2500, 400, 400, 0.05 / 3, 0.8, 0.3, 0.05, 20, 0, 38),
  hand(1, 600, 300, 0.05, 0.9, 0.1, 0.02, 15, 0.6, 58)
)
# Binary with a design effect: power.prop.test on n / deff (equal groups).
b_cases <- list()
for (deff in c(1.5, 2.2)) {
  n <- 400
  p2 <- power.prop.test(n = n / deff, p1 = 0.15, sig.level = 0.05, power = 0.8, tol = 1e-12)$p2
  b_cases[[length(b_cases) + 1]] <- list(n = n, p1 = 0.15, deff = deff, p2 = p2)
}
out <- list(power_t_test = t_cases, power_prop_test = p_cases, hand = h_cases, prop_deff = b_cases,
            r_version = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "design_power.json")
