m1 <- lmer(sq_error ~ tom + model +
             (1|scenario_id) + (1|scenario_id:period) + (1|forecaster_id),
           data = dat, REML = TRUE)
print(summary(m1, ddf = "Satterthwaite"))

cat("\nANOVA (Type III, Kenward-Roger):\n")
print(anova(m1, ddf = "Satterthwaite"))
