# Hybrid model for the language scores
library(lmerTest)
example <- read.csv("example.csv", na.strings = c("NA", "-99"))
example <- subset(example, age > 18)   # adults only
example$verb10 <- example$verbal - 10
m <- lmer(langpost ~ 1 + hw2 + mixgrd + CMverb10 + verb10 + (1 + WCverb || schoolID),
          data = example)
summary(m)
saveRDS(m, "model.rds")
