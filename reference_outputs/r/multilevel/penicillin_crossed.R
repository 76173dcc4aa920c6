# Real lmerTest output of lme4::Penicillin, plate crossed with sample (issue 12 item 5 evidence; see PROVENANCE.md)
suppressMessages(library(lmerTest))

m <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), data = lme4::Penicillin, REML = TRUE)
print(summary(m))
