// The lab's sandbox ("pause") image: built here by e2e/cluster/images.sh, no registry needed.
module baton.local/e2e/cluster/images/pause

go 1.22
