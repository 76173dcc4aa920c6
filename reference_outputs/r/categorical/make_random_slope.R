# Real lmerTest output: a random slope of a 2-level factor (issue 11), produced here.
# Run in this directory: Rscript --vanilla make_random_slope.R
suppressMessages({library(lme4); library(lmerTest); library(mlmRev)})
options(width = 100)
b <- bdf[, c("langPOST", "IQ.verb", "sex", "schoolNR")]
sink("bdf_sex_random_slope.out")
m <- lmer(langPOST ~ IQ.verb + sex + (1 + sex | schoolNR), data = b)
print(summary(m))
sink()
