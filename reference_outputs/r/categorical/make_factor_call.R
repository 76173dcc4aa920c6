# A factor made inside the formula: R prints its columns as `factor(Days)1` ... (issue: diff read them as
# unknown terms). Run: Rscript --vanilla make_factor_call.R (in this directory).
suppressMessages(library(lmerTest))
m <- lmer(Reaction ~ factor(Days) + (1 | Subject), data = lme4::sleepstudy)
sink("sleepstudy_factor_call.out")
print(summary(m), correlation = FALSE)
sink()
