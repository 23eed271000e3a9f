# Reference values for trustexp.stats.lee_bounds: Lee (2009) bounds trimmed
# within the cells of the design and combined with the always-responders'
# weights, delta-method standard errors (Lee 2009, Proposition 3), the
# Imbens-Manski (2004) interval, and a bootstrap of the standard errors
# (resampling within cell and arm) as a check of the delta method.
# Written from the papers, independently of the Python code.
# Run from tests/reference/: Rscript 06_lee_strata.R  (writes lee_strata.json)
suppressPackageStartupMessages(library(jsonlite))
two <- read.csv(file.path("data", "trial_two.csv"))
four <- read.csv(file.path("data", "trial_four.csv"))

# kept values of a sorted vector after removing share p from one side, with
# the boundary value weighted by its fractional part
kept_weights <- function(m, p) {
  keep <- (1 - p) * m
  pmin(1, pmax(0, keep - (0:(m - 1))))
}
trim_stats <- function(v, p, drop) {
  v <- sort(v, decreasing = (drop == "bottom"))   # kept values come first
  w <- kept_weights(length(v), p)
  mu <- sum(w * v) / sum(w)
  s2 <- sum(w * (v - mu)^2) / sum(w)
  yq <- v[max(which(w > 0))]                       # the kept value at the trimming point
  c(mu = mu, s2 = s2, yq = yq)
}

cell_bounds <- function(y, treated, observed) {
  nt <- sum(treated); nc <- sum(!treated)
  y1 <- y[treated & observed]; y0 <- y[!treated & observed]
  qt <- length(y1) / nt; qc <- length(y0) / nc
  vp <- (1 - qt) / (nt * qt) + (1 - qc) / (nc * qc)
  if (qt >= qc) {
    p <- (qt - qc) / qt; trim <- y1; other <- y0; s <- 1; qlow <- qc; nlow <- nc
    group <- if (p > 0) "treated" else "none"
  } else {
    p <- (qc - qt) / qc; trim <- y0; other <- y1; s <- -1; qlow <- qt; nlow <- nt
    group <- "control"
  }
  vo <- var(other) / length(other)
  one <- function(drop) {
    ts <- trim_stats(trim, p, drop)
    v <- if (p == 0) var(trim) / length(trim) + vo else
      (ts[["s2"]] + p * (ts[["yq"]] - ts[["mu"]])^2) / ((1 - p) * length(trim)) +
      (ts[["mu"]] - ts[["yq"]])^2 * vp + vo
    c(b = s * (ts[["mu"]] - mean(other)), v = v)
  }
  if (s > 0) { lo <- one("top"); hi <- one("bottom") } else { lo <- one("bottom"); hi <- one("top") }
  n <- nt + nc
  list(lower = lo[["b"]], upper = hi[["b"]], vl = lo[["v"]], vu = hi[["v"]], p = p,
       group = group, a = n * qlow, va = n^2 * qlow * (1 - qlow) / nlow, n = n,
       mt = length(y1), mc = length(y0), removed = p * length(trim), mtrim = length(trim))
}

im_c <- function(width, se, alpha) {
  if (width <= 0) return(qnorm(1 - alpha / 2))
  f <- function(c) pnorm(c + width / se) - pnorm(-c) - (1 - alpha)
  if (f(qnorm(1 - alpha)) >= 0) return(qnorm(1 - alpha))
  uniroot(f, c(qnorm(1 - alpha), qnorm(1 - alpha / 2)), tol = 1e-14)$root
}

lee_strata <- function(y, treated, observed, cell, alpha = 0.05) {
  cs <- list()
  for (x in sort(unique(cell))) {
    k <- cell == x
    if (sum(k & treated & observed) < 2 || sum(k & !treated & observed) < 2) next
    cs[[length(cs) + 1]] <- cell_bounds(y[k], treated[k], observed[k])
  }
  a <- sapply(cs, `[[`, "a"); w <- a / sum(a)
  comb <- function(b, v) {
    est <- sum(w * b)
    va <- sapply(cs, `[[`, "va")
    c(est = est, se = sqrt(sum(w^2 * v) + sum(((b - est) / sum(a))^2 * va)))
  }
  lo <- comb(sapply(cs, `[[`, "lower"), sapply(cs, `[[`, "vl"))
  hi <- comb(sapply(cs, `[[`, "upper"), sapply(cs, `[[`, "vu"))
  c_im <- im_c(hi[["est"]] - lo[["est"]], max(lo[["se"]], hi[["se"]]), alpha)
  z <- qnorm(1 - alpha / 2)
  groups <- setdiff(unique(sapply(cs, `[[`, "group")), "none")
  mtrim <- sum(sapply(cs, function(x) if (x$group == "none") 0 else x$mtrim))
  list(lower = lo[["est"]], upper = hi[["est"]], lower_se = lo[["se"]], upper_se = hi[["se"]],
       ci_low = lo[["est"]] - c_im * lo[["se"]], ci_high = hi[["est"]] + c_im * hi[["se"]],
       set_ci_low = lo[["est"]] - z * lo[["se"]], set_ci_high = hi[["est"]] + z * hi[["se"]],
       trimming_share = if (mtrim > 0) sum(sapply(cs, `[[`, "removed")) / mtrim else 0,
       trimmed_group = if (length(groups) == 0) "none" else if (length(groups) == 1) groups else "mixed",
       n = sum(sapply(cs, `[[`, "n")), n_arm = sum(sapply(cs, `[[`, "mt")),
       n_control = sum(sapply(cs, `[[`, "mc")), cells = length(cs))
}

boot_se <- function(y, treated, observed, cell, reps = 2000) {
  set.seed(20240601)
  groups <- split(seq_along(y), interaction(cell, treated, drop = TRUE))
  out <- replicate(reps, {
    idx <- unlist(lapply(groups, function(g) g[sample.int(length(g), replace = TRUE)]))
    r <- lee_strata(y[idx], treated[idx], observed[idx], cell[idx])
    c(r$lower, r$upper)
  })
  apply(out, 1, sd)
}

cases <- list()
addc <- function(name, data, file, y, arms, cells, alpha = 0.05) {
  dd <- data[data$arm %in% arms, ]
  cell <- if (is.null(cells)) rep(0, nrow(dd)) else
    as.integer(factor(do.call(paste, c(dd[cells], sep = "/")))) - 1
  tr <- dd$arm == arms[2]; ob <- !is.na(dd[[y]]); yy <- ifelse(ob, dd[[y]], 0)
  res <- lee_strata(yy, tr, ob, cell, alpha)
  bs <- boot_se(yy, tr, ob, cell)
  cases[[length(cases) + 1]] <<- c(list(spec = list(name = name, data = file, y = y,
    arms = arms, cells = cells, alpha = alpha)), res,
    list(boot_lower_se = bs[1], boot_upper_se = bs[2]))
}
addc("two_y_miss_pooled", two, "trial_two.csv", "y_miss", c(0, 1), NULL)
addc("two_y_miss_site_stratum", two, "trial_two.csv", "y_miss", c(0, 1), c("site", "stratum"))
addc("two_wb2_site", two, "trial_two.csv", "wb2", c(0, 1), c("site"), 0.1)
addc("four_y_miss_arm2_stratum", four, "trial_four.csv", "y_miss", c(0, 2), c("stratum"))
addc("four_y_miss_arm3_stratum", four, "trial_four.csv", "y_miss", c(0, 3), c("stratum"))

write_json(list(generated_by = "06_lee_strata.R", r_version = R.version.string, lee = cases),
           "lee_strata.json", auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE)
