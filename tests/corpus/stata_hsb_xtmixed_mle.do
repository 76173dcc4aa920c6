* Compare xtmixed
xtmixed mathach ses_dev ses_mn || schoolid: , mle
lincom ses_mn - ses_dev
