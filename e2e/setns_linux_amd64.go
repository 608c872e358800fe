package e2e

// sysSetns is setns(2)'s number; the frozen syscall package lacks it on amd64.
const sysSetns = 308
