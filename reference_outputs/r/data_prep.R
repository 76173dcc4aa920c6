# The lecture's variables built from mlmRev::bdf (Snijders & Bosker's language data: 2,287 pupils,
# 131 schools). bdf is NOT the lecture's data set: these outputs are R's answers on bdf, not the
# lecture's numbers. Derived variables as the lecture defines them:
#   hw2 = homework - 2; verb10 = verbal - 10; CMverb10 = school mean of verbal - 10;
#   WCverb = verbal - school mean of verbal.
suppressMessages(library(mlmRev))
suppressMessages(library(lmerTest))
Example <- data.frame(schoolID = as.integer(as.character(bdf$schoolNR)), langpost = bdf$langPOST,
                      verbal = bdf$IQ.verb, homework = bdf$homework,
                      mixgrd = as.numeric(as.character(bdf$mixedgra)))
Example$hw2 <- Example$homework - 2
Example$verb10 <- Example$verbal - 10
Example$CMverb10 <- ave(Example$verbal, Example$schoolID) - 10
Example$WCverb <- Example$verbal - ave(Example$verbal, Example$schoolID)
