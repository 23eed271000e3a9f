# Covariate coefficients and R-squared of the effect models of the clustered reference
# trial (evaluation_trial/), by estimatr::lm_robust, for tests/test_coefficients.py.
# The model is built by hand as trustexp documents it (see evaluation_estimatr.R):
# mean-imputed covariates with a missingness indicator, centred over the estimation
# sample, strata as fixed-effect dummies; additive and Lin adjustment; CR2 and HC2.
# With Lin adjustment the covariate coefficients are the control arm's slopes.
# Run from tests/reference: Rscript coefficients.R
suppressPackageStartupMessages({library(estimatr); library(jsonlite)})

p <- read.csv("evaluation_trial/participants.csv", stringsAsFactors = FALSE)
p <- p[p$arm != "reference", ]

fit_one <- function(a, pooled, adjustment, se_type) {
  a$age_imp <- ifelse(is.na(a$age), mean(a$age, na.rm = TRUE), a$age)
  a$age_missing <- as.numeric(is.na(a$age))
  e <- a[!is.na(a$income), ]
  e$block <- if (pooled) paste(e$site, e$stratum) else e$stratum
  covs <- c("age_imp", "age_missing", "prior")
  varies <- function(v, rows) length(unique(v[rows])) > 1
  covs <- covs[sapply(covs, function(v) varies(e[[v]], rep(TRUE, nrow(e))))]
  if (adjustment == "lin") {
    for (g in unique(e$arm)) {
      rows <- e$arm == g
      if (sum(rows) >= 2) covs <- covs[sapply(covs, function(v) varies(e[[v]], rows))]
    }
  }
  for (v in covs) e[[paste0(v, "_c")]] <- e[[v]] - mean(e[[v]])
  cc <- paste0(covs, "_c")
  e$D1 <- as.numeric(e$arm == "exemption")
  e$D2 <- as.numeric(e$arm == "guidance")
  rhs <- c("D1", "D2", cc)
  if (adjustment == "lin") rhs <- c(rhs, paste0("D1:", cc), paste0("D2:", cc))
  if (length(unique(e$block)) > 1) rhs <- c(rhs, "factor(block)")
  f <- as.formula(paste("income ~", paste(rhs, collapse = " + ")))
  fit <- if (se_type == "CR2") {
    lm_robust(f, data = e, clusters = cluster, se_type = "CR2")
  } else {
    lm_robust(f, data = e, se_type = se_type)
  }
  tt <- tidy(fit)
  tt <- tt[match(cc, tt$term), ]
  terms <- sub("_c$", "", sub("^age_imp", "age", tt$term))
  list(terms = terms, estimate = tt$estimate, std_error = tt$std.error, df = tt$df,
       p_value = tt$p.value, r_squared = fit$r.squared, adj_r_squared = fit$adj.r.squared,
       n = nrow(e))
}

out <- list()
for (adjustment in c("additive", "lin")) {
  for (se_type in c("CR2", "HC2")) {
    for (site in c("all", "Deventer", "Nijmegen")) {
      a <- if (site == "all") p else p[p$site == site, ]
      r <- fit_one(a, site == "all", adjustment, se_type)
      out[[length(out) + 1]] <- c(list(site = site, adjustment = adjustment, se_type = se_type), r)
    }
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "coefficients.json")
