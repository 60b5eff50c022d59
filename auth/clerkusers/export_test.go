package clerkusers

// LockChangeLog lets a test stall a writer that holds the change-log lock.
var LockChangeLog = lockChangeLog

// ChangeMembership lets a test fill Revocations as the tail does.
var ChangeMembership = (*Revocations).changeMembership
