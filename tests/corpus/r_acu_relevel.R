# LME with no imputation
acu_long$time <- relevel(factor(acu_long$time), ref = "12m")
acu_LME <- lmer(pk_score ~ group + pk1 + time + (1| id), data = acu_long)
