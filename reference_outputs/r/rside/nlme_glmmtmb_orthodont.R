# Real nlme and glmmTMB summaries of R-side (residual structure) models, the evidence for mlmgen's readers of
# them (mlmgen/dialects/lme4/nlme_output.py, glmmtmb_output.py). Run from this folder:
#   Rscript nlme_glmmtmb_orthodont.R > nlme_glmmtmb_orthodont.out 2>&1
# Data: nlme::Orthodont (27 children, distance at ages 8, 10, 12, 14) with 20% of the rows removed by a seeded
# draw (set.seed(13)), so that some children miss visits; written to orthodont_missing.csv (id, visit 1..4,
# visitf, male, y) for mlmgen to fit the same models.
suppressMessages({library(nlme); library(glmmTMB)})
d0 <- as.data.frame(Orthodont)
d <- data.frame(y = d0$distance, id = as.integer(factor(as.character(d0$Subject))),
                visit = as.integer((d0$age - 8) / 2 + 1), male = as.numeric(d0$Sex == "Male"))
set.seed(13); d <- d[runif(nrow(d)) > 0.2, ]
d$visitf <- factor(paste0("A", d$visit))
d$idf <- factor(d$id)
write.csv(d[, c("id", "visit", "visitf", "male", "y")], "orthodont_missing.csv", row.names = FALSE)
cat(R.version.string, "; nlme", format(packageVersion("nlme")), "; glmmTMB", format(packageVersion("glmmTMB")), "\n",
    file = "versions.txt")
show <- function(name, expr) {
  out <- file(paste0(name, ".out"), open = "wt"); sink(out); sink(out, type = "message")
  withCallingHandlers(print(summary(expr)), warning = function(w) {
    message("Warning message:\n", conditionMessage(w)); invokeRestart("muffleWarning") })
  sink(type = "message"); sink(); close(out)
}
show("gls_un", gls(y ~ male, data = d, correlation = corSymm(form = ~ visit | id),
                   weights = varIdent(form = ~ 1 | visitf), method = "REML"))
show("gls_cs", gls(y ~ male, data = d, correlation = corCompSymm(form = ~ 1 | id), method = "REML"))
show("gls_ar1", gls(y ~ male, data = d, correlation = corAR1(form = ~ visit | id), method = "REML"))
show("gls_arh1", gls(y ~ male, data = d, correlation = corAR1(form = ~ visit | id),
                       weights = varIdent(form = ~ 1 | visitf), method = "REML"))
show("gls_csh", gls(y ~ male, data = d, correlation = corCompSymm(form = ~ 1 | id),
                    weights = varIdent(form = ~ 1 | visitf), method = "REML"))
show("lme_ri_ar1", lme(y ~ male, random = ~ 1 | id, data = d,
                                          correlation = corAR1(form = ~ visit | id), method = "REML"))
show("glmmtmb_us", glmmTMB(y ~ male + us(visitf + 0 | idf), data = d, REML = TRUE, dispformula = ~ 0))
show("glmmtmb_cs", glmmTMB(y ~ male + cs(visitf + 0 | idf), data = d, REML = TRUE, dispformula = ~ 0))
show("glmmtmb_ar1", glmmTMB(y ~ male + ar1(visitf + 0 | idf), data = d, REML = TRUE, dispformula = ~ 0))
show("glmmtmb_toep", glmmTMB(y ~ male + toep(visitf + 0 | idf), data = d, REML = TRUE, dispformula = ~ 0))
