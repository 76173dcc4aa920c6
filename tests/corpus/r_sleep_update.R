fitlog <- capture_fit(lme4::lmer(Reaction ~ Days_c + (1 + Days_c | Subject),
  data = d, REML = TRUE, na.action = na.fail))
m <- fitlog$fit
# A fixed-slope null retains the random slope; the tested mean restriction is explicit.
m1 <- update(m, REML = FALSE)
m0 <- update(m1, . ~ . - Days_c)
