# Complier (IV) effects with the small-sample standard errors of the ITT effects:
# estimatr::iv_robust with se_type "HC2" (no cluster) and "CR2" (Bell-McCaffrey degrees of
# freedom, with the trial's cluster), on the reference trial (evaluation_trial/) and the
# take-up in data/compliers_takeup.csv (written by compliers.R). The model is the one of
# compliers.R (trustexp/analysis/compliers.py). Also HC0, HC3, CR0 and "stata" on the same
# fits, for the kernel trustexp.stats.estimate_iv.
# Run from tests/reference: Rscript 07_compliers_hc2_cr2.R  (writes compliers_hc2_cr2.json)
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })

p <- read.csv("evaluation_trial/participants.csv", stringsAsFactors = FALSE)
tk <- read.csv("data/compliers_takeup.csv", stringsAsFactors = FALSE)
p <- p[p$arm != "reference", ]
alpha <- 0.05

fit_one <- function(a, pooled, arm, column, se_type) {
  clustered <- se_type %in% c("CR0", "stata", "CR2")
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
  f <- as.formula(paste("income ~ d", exs, "| z", exs))
  er <- if (clustered) iv_robust(f, data = s, clusters = cluster, se_type = se_type, alpha = alpha)
        else iv_robust(f, data = s, se_type = se_type, alpha = alpha)
  fs_f <- as.formula(paste("d ~ z", exs))
  fs <- if (clustered) lm_robust(fs_f, data = s, clusters = cluster, se_type = se_type)
        else lm_robust(fs_f, data = s, se_type = se_type)
  list(estimate = unname(coef(er)["d"]), std_error = unname(er$std.error["d"]),
       statistic = unname(er$statistic["d"]), df = unname(er$df["d"]),
       ci_low = unname(er$conf.low["d"]), ci_high = unname(er$conf.high["d"]),
       p_value = unname(er$p.value["d"]), n = nobs(er),
       n_arm = sum(s$z), n_control = sum(1 - s$z),
       first_stage = unname(coef(fs)["z"]), first_stage_f = unname(fs$statistic["z"])^2)
}

decls <- list(c("guidance", "received"), c("exemption", "dose"))
out <- list()
for (se in c("HC2", "CR2", "HC0", "HC3", "CR0", "stata")) {
  for (site in c("all", "Deventer", "Nijmegen")) {
    a <- if (site == "all") p else p[p$site == site, ]
    for (dcl in decls) {
      r <- fit_one(a, site == "all", dcl[1], dcl[2], se)
      out[[length(out) + 1]] <- c(list(site = site, arm = dcl[1], takeup = dcl[2],
                                       se_type = if (se == "stata") "CR1" else se), r)
    }
  }
}
res <- list(versions = list(R = R.version.string,
                            estimatr = as.character(packageVersion("estimatr"))),
            cases = out)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE), "compliers_hc2_cr2.json")
