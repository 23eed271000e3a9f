# Subgroup effects and interaction tests, margin tests and random-effects pooling of
# the sites for the reference trial in forwhom_trial/ (simulated here), for
# tests/test_forwhom_reference.py.
# - subgroup effects: estimatr::lm_robust within each group (HC2; arm indicators,
#   fixed effects of site x stratum, the centred covariate);
# - interaction: the fully interacted lm_robust model (every term times the group),
#   whose group effects are the same; the difference of two groups' effects, and the
#   Wald F of equal effects from its covariance on (G - 1, N - rank) df;
# - margins: two one-sided t tests and non-inferiority from lm_robust's estimate,
#   standard error and df;
# - pooling: each site's lm_robust effect pooled by metafor::rma (REML, test = "adhoc").
# Run from tests/reference: Rscript forwhom.R
suppressPackageStartupMessages({library(estimatr); library(metafor); library(jsonlite)})
set.seed(20261202)
n <- 480
sites <- c("Arnhem", "Breda", "Zwolle")
p <- data.frame(person_id = sprintf("F%04d", 1:n), site = rep(sites, c(150, 170, 160)))
p$stratum <- ifelse(runif(n) < 0.5, "kort", "lang")
p$arm <- NA
for (b in unique(paste(p$site, p$stratum))) {
  rows <- which(paste(p$site, p$stratum) == b)
  p$arm[rows] <- sample(rep(c("control", "exemption", "guidance"), length.out = length(rows)))
}
p$randomised_on <- "2018-03-01"
p$age <- round(runif(n, 22, 62))
p$age[c(7, 99, 301)] <- NA
p$woman <- rbinom(n, 1, 0.55)
p$prior <- round(rnorm(n, 20, 6))
eff <- ifelse(p$arm == "guidance", 80 + 6 * (p$age - 40) * !is.na(p$age), ifelse(p$arm == "exemption", -30, 0))
site_eff <- c(Arnhem = 0, Breda = 60, Zwolle = -40)[p$site] * (p$arm != "control")
p$income <- round(900 + 10 * p$prior + eff + site_eff + rnorm(n, 0, 300), 2)
p$income[c(5, 17, 250, 400)] <- NA
p$work <- rbinom(n, 1, pmin(0.9, 0.3 + 0.05 * (p$arm == "guidance") + 0.004 * (p$prior - 20)))
p$months <- pmin(24, rpois(n, 14 - 1.5 * (p$arm == "guidance")))
write.csv(p, "forwhom_trial/participants.csv", row.names = FALSE, na = "")

r <- p
r$block <- paste(r$site, r$stratum)
r$D1 <- as.numeric(r$arm == "exemption")
r$D2 <- as.numeric(r$arm == "guidance")
arms <- c(exemption = "D1", guidance = "D2")
outcomes <- c("income", "work", "months")
group_of <- function(sub) {
  if (sub == "age_40") return(ifelse(is.na(r$age), NA, ifelse(r$age < 40, "<40", ">=40")))
  if (sub == "age_3") return(ifelse(is.na(r$age), NA, ifelse(r$age < 32, "<32", ifelse(r$age < 45, "32-45", ">=45"))))
  as.character(r$woman)
}
levels_of <- list(age_40 = c("<40", ">=40"), age_3 = c("<32", "32-45", ">=45"), woman = c("0", "1"))
fit_within <- function(e, y) {
  e$prior_c <- e$prior - mean(e$prior)
  f <- as.formula(paste(y, "~ D1 + D2 + prior_c + factor(block)"))
  lm_robust(f, data = e, se_type = "HC2")
}
subgroups <- list(); interactions <- list()
for (sub in names(levels_of)) {
  r$g <- group_of(sub)
  for (y in outcomes) {
    e <- r[!is.na(r[[y]]) & !is.na(r$g), ]
    for (gl in levels_of[[sub]]) {
      fit <- fit_within(e[e$g == gl, ], y)
      for (a in names(arms)) {
        v <- arms[[a]]
        subgroups[[length(subgroups) + 1]] <- list(
          subgroup = sub, group = gl, outcome = y, arm = a, estimate = unname(coef(fit)[v]),
          std_error = unname(fit$std.error[v]), df = unname(fit$df[v]), p_value = unname(fit$p.value[v]),
          ci_low = unname(fit$conf.low[v]), ci_high = unname(fit$conf.high[v]))
      }
    }
    # the fully interacted model
    e$g <- factor(e$g, levels = levels_of[[sub]])
    e$prior_c <- e$prior - ave(e$prior, e$g)
    f <- as.formula(paste(y, "~ 0 + g + g:D1 + g:D2 + g:prior_c + g:factor(block)"))
    full <- lm_robust(f, data = e, se_type = "HC2")
    b <- coef(full); V <- vcov(full)
    for (a in names(arms)) {
      v <- arms[[a]]
      nm <- paste0("g", levels_of[[sub]], ":", v)
      G <- length(nm)
      R <- matrix(0, G - 1, length(b)); colnames(R) <- names(b)
      for (k in 2:G) { R[k - 1, nm[1]] <- -1; R[k - 1, nm[k]] <- 1 }
      ok <- !is.na(b)
      Rb <- R[, ok, drop = FALSE] %*% b[ok]
      W <- t(Rb) %*% solve(R[, ok, drop = FALSE] %*% V[ok, ok] %*% t(R[, ok, drop = FALSE])) %*% Rb
      Fstat <- as.numeric(W) / (G - 1)
      df2 <- full$df[1]
      rec <- list(subgroup = sub, outcome = y, arm = a, f = Fstat, df1 = G - 1, df2 = unname(df2),
                  p_value = pf(Fstat, G - 1, df2, lower.tail = FALSE),
                  group_estimates = unname(b[nm]), group_std_errors = unname(sqrt(diag(V)[nm])))
      if (G == 2) {
        rec$estimate <- as.numeric(Rb); rec$std_error <- sqrt(as.numeric(R[, ok, drop = FALSE] %*% V[ok, ok] %*% t(R[, ok, drop = FALSE])))
      }
      interactions[[length(interactions) + 1]] <- rec
    }
  }
}
margins <- list(income = list(m = 150, test = "equivalence", dir = "higher"),
                work = list(m = 0.05, test = "non-inferiority", dir = "higher"),
                months = list(m = 1.5, test = "non-inferiority", dir = "lower"))
tost <- list(); pooled <- list()
for (y in outcomes) {
  e <- r[!is.na(r[[y]]), ]
  for (s in c("all", sites)) {
    es <- if (s == "all") e else e[e$site == s, ]
    fit <- fit_within(es, y)
    for (a in names(arms)) {
      v <- arms[[a]]; b <- unname(coef(fit)[v]); se <- unname(fit$std.error[v]); d <- unname(fit$df[v])
      mg <- margins[[y]]
      p_lo <- pt((b + mg$m) / se, d, lower.tail = FALSE)
      p_hi <- pt((b - mg$m) / se, d)
      p <- if (mg$test == "equivalence") max(p_lo, p_hi) else if (mg$dir == "higher") p_lo else p_hi
      tost[[length(tost) + 1]] <- list(site = s, outcome = y, arm = a, estimate = b, std_error = se,
        df = d, p_lower = p_lo, p_upper = p_hi, p_value = p,
        ci_low = b - qt(0.95, d) * se, ci_high = b + qt(0.95, d) * se)
    }
  }
  for (a in names(arms)) {
    v <- arms[[a]]
    est <- sapply(sites, function(s) coef(fit_within(e[e$site == s, ], y))[v])
    se <- sapply(sites, function(s) fit_within(e[e$site == s, ], y)$std.error[v])
    m <- rma(yi = unname(est), sei = unname(se), method = "REML", test = "adhoc",
             control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000))
    pr <- predict(m)
    ps <- predict(rma(yi = unname(est), sei = unname(se), method = "SJ", test = "adhoc"), pi.type = "riley")
    pooled[[length(pooled) + 1]] <- list(outcome = y, arm = a, estimate = unname(coef(m)), std_error = m$se,
      p_value = m$pval, ci_low = m$ci.lb, ci_high = m$ci.ub, tau2 = m$tau2, i2 = m$I2 / 100,
      q = m$QE, q_p_value = m$QEp, pi_low = ps$pi.lb, pi_high = ps$pi.ub,
      pi_metafor_low = pr$pi.lb, pi_metafor_high = pr$pi.ub)
  }
}
writeLines(toJSON(list(estimatr = as.character(packageVersion("estimatr")),
                       metafor = as.character(packageVersion("metafor")),
                       subgroups = subgroups, interactions = interactions, tost = tost, pooled = pooled),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "forwhom.json")
