mixed langpost e.hw2 c.mixgrd c.CMverb10 c.verb10 c.mixgrd#c.verb10 ///
      c.mixgrd#c.CMverb10 c.CMverb10#c.verb10 c.CMverb10#c.CMverb10, ///
      || schoolID: WCverb, covariance(un) reml dfmethod(satterthwaite) dftable(pvalue)
estat recovariance, relevel(schoolID) correlation // random effect correlations
