# Real lmerTest output of lme4::Penicillin, plate crossed with sample, refitted from lme4's own optimum with tight
# nloptwrap tolerances (lme4's default stop, xtol_rel = 1e-4, leaves the sample variance at 3.7311 where the
# optimum is 3.7309); issue 12 item 5 evidence (see PROVENANCE.md)
suppressMessages(library(lmerTest))
m <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), data = lme4::Penicillin, REML = TRUE)
m <- update(m, start = getME(m, "theta"),
  control = lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
                        optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-13, xtol_rel = 0, maxeval = 100000)))
print(summary(m))
