# Effects of the clustered reference trial (evaluation_trial/) by estimatr::lm_robust,
# for tests/test_evaluation_reference.py: pooled (strata = site x stratum) and per site
# (strata = stratum); additive and Lin adjustment; CR2 with clusters and HC2 without.
# Covariates as trustexp documents them: a covariate with missing values is mean-imputed
# and joined by a missingness indicator (kept where it varies in the estimation sample);
# covariates centred over the estimation sample; strata as fixed-effect dummies; with
# Lin adjustment a covariate constant within an arm keeps its place and only its
# (collinear) interaction with that arm is dropped, as estimatr::lm_lin does.
# Run from tests/reference: Rscript evaluation_estimatr.R
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
  for (v in covs) e[[paste0(v, "_c")]] <- e[[v]] - mean(e[[v]])
  cc <- paste0(covs, "_c")
  e$D1 <- as.numeric(e$arm == "exemption")
  e$D2 <- as.numeric(e$arm == "guidance")
  # columns in the order of lm_lin with absorbed strata: strata, covariates, arms,
  # interactions; a collinear column is dropped where it comes last
  rhs <- c(if (length(unique(e$block)) > 1) "factor(block)", cc, "D1", "D2")
  if (adjustment == "lin") rhs <- c(rhs, paste0("D1:", cc), paste0("D2:", cc))
  f <- as.formula(paste("income ~", paste(rhs, collapse = " + ")))
  # collinear columns are found with lm (in column order) and left out before lm_robust,
  # whose pivoting may drop a different column with and without clusters
  X <- model.matrix(f, data = e)
  X <- X[, !is.na(coef(lm(f, data = e))), drop = FALSE]
  stopifnot(all(c("D1", "D2") %in% colnames(X)))  # only interactions may be dropped
  fit <- if (se_type == "CR2") {
    lm_robust(e$income ~ X - 1, clusters = e$cluster, se_type = "CR2")
  } else {
    lm_robust(e$income ~ X - 1, se_type = se_type)
  }
  tt <- tidy(fit)
  tt <- tt[tt$term %in% c("XD1", "XD2"), ]
  list(estimate = tt$estimate, std_error = tt$std.error, df = tt$df,
       ci_low = tt$conf.low, ci_high = tt$conf.high, p_value = tt$p.value, n = nrow(e))
}

out <- list()
for (adjustment in c("additive", "lin")) {
  for (se_type in c("CR2", "HC2")) {
    for (site in c("all", "Deventer", "Nijmegen")) {
      a <- if (site == "all") p else p[p$site == site, ]
      r <- fit_one(a, site == "all", adjustment, se_type)
      out[[length(out) + 1]] <- c(list(site = site, adjustment = adjustment, se_type = se_type,
                                       arms = c("exemption", "guidance")), r)
    }
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "evaluation_estimatr.json")
