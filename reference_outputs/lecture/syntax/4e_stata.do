mixed langpost e.hw2 c.mixgrd c.CMverb10 c.WCverb c.mixgrd#c.WCverb ///  
  c.mixgrd#c.CMverb10, || schoolID: WCverb, /// In STATA, # creates interactions  
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog  
estat recovariance, relevel(schoolID) correlation // random effect correlations
