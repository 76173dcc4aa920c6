# Real lme4/lmerTest default fits for mlmgen's lme4 emulation (mlmgen/engine/lme4_emulation.py).
# Run: Rscript --vanilla make_lme4_default.R   (in this directory). Writes the simulated data sets (drawn
# here with a seed) as <case>.csv, <case>.out (print(summary(m)) of lmerTest, default lmer() settings) and
# <case>.theta.txt (the stopping point and the numbers at it, 17 significant digits). The R-package data
# sets come from data_lme4_default.R and are not written here.
suppressMessages({library(lme4); library(lmerTest)})
source("data_lme4_default.R")       # the R-package data sets (not committed: tests build them with that script)
pkgdata <- lme4_default_data()
s <- pkgdata$sleepstudy; dy <- pkgdata$dyestuff; h <- pkgdata$hsb82; b <- pkgdata$bdf
cases <- list()
cases$sleepstudy <- list(d = s, f = Reaction ~ 1 + Days + (1 + Days | Subject))
cases$dyestuff <- list(d = dy, f = Yield ~ 1 + (1 | Batch))
cases$hsb82 <- list(d = h, f = mAch ~ 1 + meanses + sector + cses + meanses_cses + sector_cses + (1 + cses | school))
cases$bdf_2b <- list(d = b, f = langpost ~ 1 + hw2 + mixgrd + CMverb10 + WCverb + (1 + WCverb | schoolID))
cases$bdf_4a <- list(d = b, f = langpost ~ 1 + hw2 + mixgrd + CMverb10 + verb10 + (1 + verb10 | schoolID))
cases$bdf_raw <- list(d = b, f = langpost ~ 1 + verbal + homework + (1 + verbal | schoolID))   # uncentred: badly conditioned
cases$bdf_ri <- list(d = b, f = langpost ~ 1 + hw2 + verb10 + (1 | schoolID))
set.seed(20261205)
m <- 40; n <- 12
g <- rep(1:m, each = n); x1 <- rnorm(m * n); x2 <- rnorm(m * n); w <- rep(rnorm(m), each = n)
u0 <- rep(rnorm(m, sd = 1.5), each = n); u1 <- rep(rnorm(m, sd = 0.5), each = n)
y <- 10 + 0.5 * x1 - 0.3 * x2 + 0.8 * w + u0 + u1 * x1 + rnorm(m * n, sd = 2)
sim <- data.frame(g = g, y = round(y, 4), x1 = round(x1, 4), x2 = round(x2, 4), w = round(w, 4))
cases$simulated <- list(d = sim, f = y ~ 1 + x1 + x2 + w + (1 + x1 | g))
cases$simulated_ml <- list(d = sim, f = y ~ 1 + x1 + x2 + w + (1 + x1 | g), reml = FALSE)
cases$sleepstudy_ml <- list(d = s, f = Reaction ~ 1 + Days + (1 + Days | Subject), reml = FALSE)
cases$hsb82_null <- list(d = h, f = mAch ~ 1 + (1 | school))
cases$bdf_ml_interaction <- list(d = b, f = langpost ~ 1 + mixgrd + WCverb + mixgrd_WCverb + (1 | schoolID), reml = FALSE)
set.seed(5)
m2 <- 30; n2 <- 8
g2 <- rep(1:m2, each = n2); z <- matrix(round(rnorm(m2 * n2 * 5), 4), ncol = 5)
y2 <- 1 + z %*% c(0.02, 0.1, 0.25, 0.5, 1) + rep(rnorm(m2, sd = 0.7), each = n2) + rnorm(m2 * n2)
sim2 <- data.frame(g = g2, y = round(as.vector(y2), 4), z1 = z[, 1], z2 = z[, 2], z3 = z[, 3], z4 = z[, 4], z5 = z[, 5])
cases$simulated_pvalues <- list(d = sim2, f = y ~ 1 + z1 + z2 + z3 + z4 + z5 + (1 | g))
for (key in names(cases)) {
  cs <- cases[[key]]
  reml <- if (is.null(cs$reml)) TRUE else cs$reml
  dfile <- if (startsWith(key, "bdf")) "bdf.csv" else if (key == "simulated_pvalues") "simulated_pvalues.csv" else
    if (startsWith(key, "simulated")) "simulated.csv" else paste0(sub("_.*", "", key), ".csv")
  if (startsWith(key, "simulated")) write.csv(cs$d, dfile, row.names = FALSE)   # data generated here: committed
  d <- cs$d
  fit <- eval(bquote(lmer(.(cs$f), data = d, REML = .(reml))))   # the call prints Formula: <formula>, Data: d
  sink(paste0(key, ".out")); print(summary(fit)); sink()
  ct <- coef(summary(fit))
  vc <- as.data.frame(VarCorr(fit))
  con <- file(paste0(key, ".theta.txt"), "w")
  w17 <- function(name, v) writeLines(paste(name, paste(formatC(v, digits = 17, format = "g"), collapse = " ")), con)
  writeLines(paste("formula", deparse(cs$f, width.cutoff = 500)), con)
  writeLines(paste("data", dfile), con)
  writeLines(paste("reml", reml), con)
  w17("theta", getME(fit, "theta"))
  w17("deviance", if (reml) getME(fit, "devcomp")$cmp[["REML"]] else deviance(fit))
  w17("feval", fit@optinfo$feval)
  w17("beta", fixef(fit)); w17("se", ct[, "Std. Error"]); w17("df", ct[, "df"])
  w17("sigma", sigma(fit)); w17("vcov", vc$vcov)
  w17("p", ct[, "Pr(>|t|)"])
  w17("resid_quantiles", unname(quantile(resid(fit, type = "pearson", scaled = TRUE))))
  close(con)
  # lmerTest's full-precision numbers in the layout of tests/test_report_lme4.py (r_fit): the printer test
  # fills a FitResult with them and compares its text with <case>.out line by line
  s <- summary(fit); cf <- s$coefficients
  f17 <- function(x) paste(sprintf("%.17g", x), collapse = " ")
  crit <- if (isREML(fit)) REMLcrit(fit) else deviance(fit)
  sink(paste0(key, ".numbers.txt"))
  cat("CRIT", f17(crit), "\n"); cat("N", nobs(fit), ngrps(fit)[[1]], "\n")
  cat("Q", f17(unname(quantile(resid(fit, type = "pearson", scaled = TRUE)))), "\n")
  for (i in seq_len(nrow(cf))) cat("FIX", rownames(cf)[i], f17(cf[i, ]), "\n")
  for (i in seq_len(nrow(vc))) cat("VC", vc$var1[i], ifelse(is.na(vc$var2[i]), "-", vc$var2[i]), f17(vc$vcov[i]), "\n")
  cat("CORR", f17(unname(as.matrix(cov2cor(as.matrix(vcov(fit)))))), "\n")
  sink()
}
cat("R", R.version$major, R.version$minor, "lme4", as.character(packageVersion("lme4")), "lmerTest",
    as.character(packageVersion("lmerTest")), "nloptr", as.character(packageVersion("nloptr")), "\n")
