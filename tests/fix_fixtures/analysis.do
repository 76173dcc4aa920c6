* Hybrid model for the language scores
use "example.dta", clear
mvdecode langpost, mv(-99)
keep if age > 18
generate verb10 = verbal - 10
mixed langpost c.hw2 c.mixgrd c.CMverb10 c.verb10 || schoolID: WCverb, dfmethod(satterthwaite) // the model
estat icc
save "example_clean.dta", replace
