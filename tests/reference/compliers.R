# Complier (IV) effects of the reference trial (evaluation_trial/) with take-up from
# data/compliers_takeup.csv, for tests/test_compliers_reference.py.
# Writes data/compliers_takeup.csv (deterministic, set.seed) and compliers.json.
#
# The model trustexp documents (trustexp/_compliers.py): 2SLS of the outcome on take-up,
# instrumented by assignment to the arm, over the arm and the control arm; exogenous:
# intercept, the declared covariates (mean-imputed over the analysis sample, joined by a
# missingness indicator; kept where they vary in the estimation sample; centred) and
# strata fixed effects (pooled: site x stratum; per site: stratum). Take-up missing for a
# control person is 0; an arm person without take-up is left out.
# Standard errors: HC1 (n/(n-k)) without a cluster, and with a cluster the Stata CR1
# correction G/(G-1) * (n-1)/(n-k); p-values and intervals from t(n-k) without a cluster
# and t(G-1) with one (the CR1 convention of estimatr "stata" and trustexp). Computed twice,
# independently: sandwich::vcovHC / vcovCL on an AER::ivreg fit, and
# estimatr::iv_robust (se_type "HC1" / "stata"); the two must agree.
# First stage: estimatr::lm_robust of take-up on assignment (HC2 / CR2, the trial's type).
# Run from tests/reference: Rscript compliers.R
suppressPackageStartupMessages({
  library(AER); library(sandwich); library(estimatr); library(jsonlite)
})

p <- read.csv("evaluation_trial/participants.csv", stringsAsFactors = FALSE)

# -- take-up: received for guidance, dose for exemption; a few controls recorded ------
set.seed(20240611)
g <- p$person_id[p$arm == "guidance"]
e <- p$person_id[p$arm == "exemption"]
ctl <- p$person_id[p$arm == "control"]
rec_g <- as.numeric(runif(length(g)) < 0.7)
rec_g[sample(length(g), 3)] <- NA
dose_e <- round(runif(length(e)), 2)
dose_e[sample(length(e), 4)] <- NA
cs <- sort(sample(length(ctl), 8))
tk <- data.frame(person_id = c(g, e, ctl[cs]),
                 received = c(rec_g, rep(NA, length(e)), c(1, 1, 1, 0, 0, 0, NA, NA)),
                 dose = c(rep(NA, length(g)), dose_e, c(0.2, 0, NA, 0, 0.5, NA, 0, 0)))
tk <- tk[order(tk$person_id), ]
write.csv(tk, "data/compliers_takeup.csv", row.names = FALSE, na = "")
tk <- read.csv("data/compliers_takeup.csv", stringsAsFactors = FALSE)

p <- p[p$arm != "reference", ]
alpha <- 0.05

fit_one <- function(a, pooled, arm, column, clustered) {
  a$age_imp <- ifelse(is.na(a$age), mean(a$age, na.rm = TRUE), a$age)
  a$age_missing <- as.numeric(is.na(a$age))
  a$d <- tk[[column]][match(a$person_id, tk$person_id)]
  a$d[a$arm == "control" & is.na(a$d)] <- 0
  s <- a[a$arm %in% c(arm, "control") & !is.na(a$income) & !is.na(a$d), ]
  s$z <- as.numeric(s$arm == arm)
  s$block <- if (pooled) paste(s$site, s$stratum) else s$stratum
  covs <- c("age_imp", "age_missing", "prior")
  covs <- covs[sapply(covs, function(v) length(unique(s[[v]])) > 1)]
  for (v in covs) s[[paste0(v, "_c")]] <- s[[v]] - mean(s[[v]])
  ex <- paste0(covs, "_c")
  if (length(unique(s$block)) > 1) ex <- c(ex, "factor(block)")
  exs <- if (length(ex)) paste("+", paste(ex, collapse = " + ")) else ""
  f_iv <- as.formula(paste("income ~ d", exs, "| z", exs))
  fit <- ivreg(f_iv, data = s)
  n <- nobs(fit); k <- length(coef(fit))
  V <- if (clustered) vcovCL(fit, cluster = ~cluster, type = "HC1", cadjust = TRUE)
       else vcovHC(fit, type = "HC1")
  est <- unname(coef(fit)["d"]); se <- sqrt(V["d", "d"])
  # independent second implementation
  f_er <- as.formula(paste("income ~ d", exs, "| z", exs))
  er <- if (clustered) iv_robust(f_er, data = s, clusters = cluster, se_type = "stata")
        else iv_robust(f_er, data = s, se_type = "HC1")
  stopifnot(abs(coef(er)["d"] - est) < 1e-9 * abs(est),
            abs(er$std.error["d"] - se) < 1e-9 * se)
  df <- if (clustered) length(unique(s$cluster)) - 1 else n - k
  stopifnot(df == er$df["d"])
  tq <- qt(1 - alpha / 2, df)
  fs_f <- as.formula(paste("d ~ z", exs))
  fs <- if (clustered) lm_robust(fs_f, data = s, clusters = cluster, se_type = "CR2")
        else lm_robust(fs_f, data = s, se_type = "HC2")
  list(estimate = est, std_error = se, df = df,
       ci_low = est - tq * se, ci_high = est + tq * se,
       p_value = 2 * pt(-abs(est / se), df), n = n,
       n_clusters = length(unique(s$cluster)),
       estimatr_df = unname(er$df["d"]),
       first_stage = unname(coef(fs)["z"]),
       first_stage_f = unname(fs$statistic["z"])^2)
}

decls <- list(c("guidance", "received"), c("exemption", "dose"))
out <- list()
for (clustered in c(TRUE, FALSE)) {
  for (site in c("all", "Deventer", "Nijmegen")) {
    a <- if (site == "all") p else p[p$site == site, ]
    for (dcl in decls) {
      r <- fit_one(a, site == "all", dcl[1], dcl[2], clustered)
      out[[length(out) + 1]] <- c(list(site = site, arm = dcl[1], takeup = dcl[2],
                                       clustered = clustered,
                                       se_type = if (clustered) "CR1 (stata)" else "HC1"), r)
    }
  }
}
res <- list(versions = list(R = R.version.string,
                            AER = as.character(packageVersion("AER")),
                            sandwich = as.character(packageVersion("sandwich")),
                            estimatr = as.character(packageVersion("estimatr"))),
            cases = out)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE), "compliers.json")
