# Pooling the two reference trials forwhom_trial/ and pool_b/ (simulated here), for
# tests/test_pool_reference.py: each trial's own lm_robust effect (HC2; its arm
# indicators, fixed effects of site x stratum, the centred covariate), pooled by
# metafor::rma (REML, DL and PM with test = "adhoc"); and the one-stage lm_robust
# of the stacked arm and control persons with trial x stratum fixed effects (HC2).
# Run from tests/reference after forwhom.R: Rscript pool.R
suppressPackageStartupMessages({library(estimatr); library(metafor); library(jsonlite)})
set.seed(20261203)
n <- 260
b <- data.frame(person_id = sprintf("B%04d", 1:n), site = rep(c("Deventer", "Nijmegen"), c(120, 140)))
b$stratum <- ifelse(runif(n) < 0.4, "jong", "oud")
b$arm <- NA
for (k in unique(paste(b$site, b$stratum))) {
  rows <- which(paste(b$site, b$stratum) == k)
  b$arm[rows] <- sample(rep(c("control", "exempt"), length.out = length(rows)))
}
b$randomised_on <- "2019-01-07"
b$prior <- round(rnorm(n, 18, 5))
b$earnings <- round(850 + 12 * b$prior + 60 * (b$arm == "exempt") + rnorm(n, 0, 280), 2)
b$earnings[c(3, 77)] <- NA
b$work <- rbinom(n, 1, 0.3 + 0.06 * (b$arm == "exempt"))
b$hours <- round(pmax(0, rnorm(n, 20, 8)), 1)
write.csv(b, "pool_b/participants.csv", row.names = FALSE, na = "")
a <- read.csv("forwhom_trial/participants.csv", stringsAsFactors = FALSE)

prep <- function(p, treated) {
  p$block <- paste(p$site, p$stratum)
  p$D1 <- as.numeric(p$arm == treated[1])
  if (length(treated) > 1) p$D2 <- as.numeric(p$arm == treated[2])
  p
}
a <- prep(a, c("exemption", "guidance"))
b <- prep(b, "exempt")
fit <- function(p, y, arms) {
  e <- p[!is.na(p[[y]]), ]
  e$prior_c <- e$prior - mean(e$prior)
  f <- as.formula(paste(y, "~", paste(c(arms, "prior_c", "factor(block)"), collapse = " + ")))
  m <- lm_robust(f, data = e, se_type = "HC2")
  list(estimate = unname(coef(m)["D1"]), std_error = unname(m$std.error["D1"]),
       n_arm = sum(e$D1 == 1), n_control = sum(e$arm == "control"))
}
pairs <- list(income = c(a = "income", b = "earnings"), work = c(a = "work", b = "work"))
out <- list()
for (key in names(pairs)) {
  fa <- fit(a, pairs[[key]][["a"]], c("D1", "D2"))
  fb <- fit(b, pairs[[key]][["b"]], "D1")
  res <- list(outcome = key, arm = "exemption", trials = list(forwhom_trial = fa, pool_b = fb))
  for (m in c("REML", "DL", "PM")) {
    r <- rma(yi = c(fa$estimate, fb$estimate), sei = c(fa$std_error, fb$std_error), method = m,
             test = "adhoc", control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000))
    pr <- predict(r)
    ps <- predict(rma(yi = c(fa$estimate, fb$estimate), sei = c(fa$std_error, fb$std_error), method = "SJ",
                      test = "adhoc"), pi.type = "riley")
    res[[tolower(m)]] <- list(estimate = unname(coef(r)), std_error = r$se, p_value = r$pval,
      ci_low = r$ci.lb, ci_high = r$ci.ub, tau2 = r$tau2, i2 = r$I2 / 100, q = r$QE, q_p_value = r$QEp,
      pi_low = ps$pi.lb, pi_high = ps$pi.ub, pi_metafor_low = pr$pi.lb, pi_metafor_high = pr$pi.ub)
  }
  # one stage: arm and control persons of both trials, trial x stratum fixed effects
  ya <- a[a$arm %in% c("control", "exemption") & !is.na(a[[pairs[[key]][["a"]]]]), ]
  yb <- b[b$arm %in% c("control", "exempt") & !is.na(b[[pairs[[key]][["b"]]]]), ]
  s <- data.frame(y = c(ya[[pairs[[key]][["a"]]]], yb[[pairs[[key]][["b"]]]]),
                  D = c(ya$D1, yb$D1), fe = c(paste("a", ya$block), paste("b", yb$block)))
  o <- lm_robust(y ~ D + factor(fe), data = s, se_type = "HC2")
  res$one_stage <- list(estimate = unname(coef(o)["D"]), std_error = unname(o$std.error["D"]),
                        df = unname(o$df["D"]), p_value = unname(o$p.value["D"]),
                        ci_low = unname(o$conf.low["D"]), ci_high = unname(o$conf.high["D"]), n = nrow(s))
  out[[length(out) + 1]] <- res
}
writeLines(toJSON(list(estimatr = as.character(packageVersion("estimatr")),
                       metafor = as.character(packageVersion("metafor")), pooled = out),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "pool.json")
