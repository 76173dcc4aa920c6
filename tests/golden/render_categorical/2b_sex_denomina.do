* (2b) Random L1 cluster-MC within slope
* Data preparation: derived variables (means over non-missing values)
* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end
capture drop hw2
capture drop CMverb10
capture drop WCverb
capture drop _mlm9982_m1
egen double _mlm9982_m1 = mean(verbal), by(schoolID)
generate double hw2 = homework - 2
generate double CMverb10 = _mlm9982_m1 - 10
generate double WCverb = verbal - _mlm9982_m1
drop _mlm9982_m1
* Categorical predictors: string variables encoded with known codes (the reference is the ib#. code below); random slopes of a categorical as numeric columns (mixed takes no factor variables in the random part)
capture confirm string variable sex
if !_rc label define _mlm9982_c1 1 `"M"' 2 `"F"', replace
if !_rc encode sex, generate(_mlm9982_c1) label(_mlm9982_c1) noextend
if !_rc drop sex
if !_rc rename _mlm9982_c1 sex
mixed langpost c.hw2 c.mixgrd c.CMverb10 c.WCverb ib2.sex ib3.denomina ib2.sex#c.WCverb, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
lincom c.CMverb10*1 + c.WCverb*-1, small // L2 Contextual Effect of Verbal
contrast sex denomina sex#c.WCverb, small // Type III tests of fixed effects
margins denomina, asbalanced // LS-means (factors balanced, as SAS)
pwcompare denomina, effects small // LS-means: pairwise differences
margins sex, asbalanced // LS-means (factors balanced, as SAS)
pwcompare sex, effects small // LS-means: pairwise differences
