# Real lmerTest output of lme4::Pastes with cask read as CROSSED with batch, fitted by ML: of another model than
# (1 | batch/cask) by REML (cask ids a, b, c repeat in every batch); issue 12 item 5 evidence (PROVENANCE.md)
suppressMessages(library(lmerTest))
m <- lmer(strength ~ 1 + (1 | batch) + (1 | cask), data = lme4::Pastes, REML = FALSE)
print(summary(m))
