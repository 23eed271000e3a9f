# Reference values for trustexp.stats.joint_test, standardised_difference,
# differential_attrition and lee_bounds. Writes balance_attrition.json.
# Run from tests/reference/: Rscript 04_balance_attrition.R
suppressPackageStartupMessages({
  library(estimatr)
  library(jsonlite)
})
two <- read.csv(file.path("data", "trial_two.csv"))
four <- read.csv(file.path("data", "trial_four.csv"))
r_se <- function(se) if (se == "CR1") "stata" else se

# Wald F test that the coefficients named `tested` are all zero, from the
# robust covariance matrix of lm_robust; collinear (NA) coefficients left out.
# Collinear columns are found with lm (which drops them in formula order;
# lm_robust's pivoting may drop the intercept instead) and left out.
wald <- function(formula, data, tested, se_type, cluster = NULL) {
  cl <- if (is.null(cluster)) NULL else data[[cluster]]
  fit <- lm_robust(formula, data = data, clusters = cl, se_type = r_se(se_type))
  aliased <- is.na(coef(lm(formula, data = data)))
  stopifnot(!any(aliased[names(aliased) != "(Intercept)" & !(names(aliased) %in% tested)]))
  tested <- tested[!aliased[tested]]
  if (any(aliased)) {
    X <- model.matrix(formula, data = data)[, !aliased, drop = FALSE]
    fit <- lm_robust(data[[all.vars(formula)[1]]] ~ X - 1, clusters = cl, se_type = r_se(se_type))
    names(fit$coefficients) <- colnames(X)
    dimnames(fit$vcov) <- list(colnames(X), colnames(X))
  }
  b <- coef(fit)[tested]
  V <- vcov(fit)[tested, tested, drop = FALSE]
  df1 <- length(tested)
  df2 <- if (is.null(cluster)) fit$df.residual else length(unique(cl)) - 1
  stat <- as.numeric(t(b) %*% solve(V, b)) / df1
  list(statistic = stat, df1 = df1, df2 = df2,
       p_value = pf(stat, df1, df2, lower.tail = FALSE), n = nobs(fit))
}

joint <- list()
addj <- function(name, data, rows, d, covariates, strata, cluster, se_type) {
  dd <- data[rows, ]
  dd$d <- d(dd)
  rhs <- covariates
  if (!is.null(strata)) rhs <- c(rhs, paste0("factor(", strata, ")"))
  f <- as.formula(paste("d ~", paste(rhs, collapse = " + ")))
  res <- wald(f, dd, covariates, se_type, cluster)
  joint[[length(joint) + 1]] <<- c(list(spec = list(
    name = name, data = attr(data, "file"), arms = sort(unique(dd$arm)), treated_arm = max(dd$arm),
    covariates = covariates, strata = strata, cluster = cluster, se_type = se_type,
    site = if (all(dd$site == dd$site[1]) && !is.null(dd$site)) dd$site[1] else NULL)), res)
}
attr(two, "file") <- "trial_two.csv"
attr(four, "file") <- "trial_four.csv"
is_t <- function(dd) as.numeric(dd$arm == max(dd$arm))
for (se in c("HC0", "HC1", "HC2", "HC3")) {
  addj(paste0("two_", se), two, TRUE, is_t, c("x1", "x2", "wb0"), NULL, NULL, se)
}
addj("two_strata_HC2", two, TRUE, is_t, c("x1", "x2", "wb0"), "stratum", NULL, "HC2")
addj("two_site0_collinear_HC2", two, two$site == 0, is_t, c("x1", "x3"), "stratum", NULL, "HC2")
for (se in c("CR0", "CR1", "CR2")) {
  addj(paste0("four_arm1_", se), four, four$arm %in% c(0, 1), is_t, c("x1", "x2"), "stratum",
       "cluster", se)
}
addj("four_arm3_HC1", four, four$arm %in% c(0, 3), is_t, c("x1", "x2"), "stratum", NULL, "HC1")

stddiff <- list()
for (v in c("x1", "x2", "wb0")) {
  a <- two[[v]][two$arm == 1]
  b <- two[[v]][two$arm == 0]
  stddiff[[length(stddiff) + 1]] <- list(data = "trial_two.csv", variable = v,
    value = (mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2))
}

attrition <- list()
adda <- function(name, data, y, n_arms, strata, cluster, se_type) {
  dd <- data
  dd$responded <- as.numeric(!is.na(dd[[y]]))
  dd$arm_f <- factor(dd$arm, levels = 0:(n_arms - 1))
  rhs <- "arm_f"
  if (!is.null(strata)) rhs <- c(rhs, paste0("factor(", strata, ")"))
  f <- as.formula(paste("responded ~", paste(rhs, collapse = " + ")))
  res <- wald(f, dd, paste0("arm_f", 1:(n_arms - 1)), se_type, cluster)
  attrition[[length(attrition) + 1]] <<- c(list(spec = list(
    name = name, data = attr(data, "file"), y = y, n_arms = n_arms, strata = strata,
    cluster = cluster, se_type = se_type)), res)
}
adda("two_y_miss_HC2", two, "y_miss", 2, NULL, NULL, "HC2")
adda("two_wb2_strata_HC1", two, "wb2", 2, "stratum", NULL, "HC1")
adda("four_y_miss_strata_HC2", four, "y_miss", 4, "stratum", NULL, "HC2")
adda("four_y_miss_strata_HC3", four, "y_miss", 4, "stratum", NULL, "HC3")
adda("four_y_miss_CR1", four, "y_miss", 4, "stratum", "cluster", "CR1")
adda("four_y_miss_CR2", four, "y_miss", 4, NULL, "cluster", "CR2")

# Lee (2009) bounds, fractional trimming: the kept share (1 - p) k of the
# sorted values, the boundary value weighted by its fractional part.
trim_mean <- function(v, p, side) {
  v <- sort(v, decreasing = side == "bottom")
  keep <- (1 - p) * length(v)
  w <- pmin(1, pmax(0, keep - (seq_along(v) - 1)))
  sum(w * v) / sum(w)
}
lee <- function(y, treated, observed) {
  q1 <- mean(observed[treated]); q0 <- mean(observed[!treated])
  y1 <- y[treated & observed]; y0 <- y[!treated & observed]
  if (q1 > q0) {
    p <- (q1 - q0) / q1
    list(lower = trim_mean(y1, p, "top") - mean(y0), upper = trim_mean(y1, p, "bottom") - mean(y0),
         trimming_share = p, trimmed_group = "treated", n = length(y))
  } else if (q0 > q1) {
    p <- (q0 - q1) / q0
    list(lower = mean(y1) - trim_mean(y0, p, "bottom"), upper = mean(y1) - trim_mean(y0, p, "top"),
         trimming_share = p, trimmed_group = "control", n = length(y))
  } else {
    list(lower = mean(y1) - mean(y0), upper = mean(y1) - mean(y0), trimming_share = 0,
         trimmed_group = "none", n = length(y))
  }
}
bounds <- list()
addl <- function(name, data, y, arms) {
  dd <- data[data$arm %in% arms, ]
  res <- lee(dd[[y]], dd$arm == arms[2], !is.na(dd[[y]]))
  bounds[[length(bounds) + 1]] <<- c(list(spec = list(name = name, data = attr(data, "file"),
                                                      y = y, arms = arms)), res)
}
addl("two_y_miss", two, "y_miss", c(0, 1))
addl("two_wb2", two, "wb2", c(0, 1))
addl("two_y_bin_miss", two, "y_bin_miss", c(0, 1))
addl("four_y_miss_arm2", four, "y_miss", c(0, 2))
addl("four_y_miss_arm3", four, "y_miss", c(0, 3))

write_json(list(generated_by = "04_balance_attrition.R",
                estimatr_version = as.character(packageVersion("estimatr")),
                joint_test = joint, standardised_difference = stddiff,
                differential_attrition = attrition, lee_bounds = bounds),
           "balance_attrition.json", auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE)
