package clerkusers

// ChangeMembership lets a test fill Revocations as the tail does.
var ChangeMembership = (*Revocations).changeMembership
