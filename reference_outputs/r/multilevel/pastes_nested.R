# Real lmerTest output of lme4::Pastes, cask nested in batch (issue 12 item 5 evidence; see PROVENANCE.md)
suppressMessages(library(lmerTest))

m <- lmer(strength ~ 1 + (1 | batch/cask), data = lme4::Pastes, REML = TRUE)
print(summary(m))
