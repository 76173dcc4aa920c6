mixed langpost e.hw2 c.mixgrd c.CMverb10 c.WCverb c.mixgrd#c.WCverb ///
      c.mixgrd#c.CMverb10 c.CMverb10#c.WCverb c.CMverb10#c.CMverb10, ///
|| schoolID: WCverb, covariance(un) reml dfmethod(satterthwaite) dftable(pvalue)
estat recovariance, relevel(schoolID) correlation // Random effect correlations
