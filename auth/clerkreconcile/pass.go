package clerkreconcile

import (
	"context"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/organization"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkusers"
	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/clerkevents"
)

// pageSize is Clerk's largest page for users and organizations.
const pageSize = 500

// oldestFirst is the order pages are asked in. Clerk's default, newest
// first, shifts every offset when a record is created during the pass;
// oldest first appends it at the end. A record deleted during the pass
// still shifts the later ones back by one, so the listing can skip one:
// which is why a record the listing did not show is fetched on its own
// before it is marked deleted.
const oldestFirst = "+created_at"

// pass is one reconciliation pass: it holds the database's reconciliation
// lock, its own budget and Retry-After gate, and its counts.
type pass struct {
	cfg    *Config
	db     *clerkmirror.Reconciliation
	users  *user.Client
	orgs   *organization.Client
	meter  *meter
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	log    clerkusers.Logger
	counts Counts
}

// kind is how a pass lists, fetches, saves and deletes one kind of record.
type kind[T any] struct {
	name  string // "users" or "organizations", for errors and logs
	tally *Tally
	// list is a page from offset, with Clerk's total_count.
	list   func(ctx context.Context, offset int64) ([]T, int64, error)
	get    func(ctx context.Context, id string) (T, error)
	save   func(ctx context.Context, records []T) (clerkmirror.Saved, error)
	unseen func(ctx context.Context) ([]string, error)
	delete func(ctx context.Context, id string) (bool, error)
}

// run lists users and organizations, then, both listings complete, deals
// with what the mirror holds that they did not show, and records the pass.
func (p *pass) run(ctx context.Context) error {
	users, orgs := p.userKind(), p.orgKind()
	if err := listAll(ctx, p, users); err != nil {
		return err
	}
	if err := listAll(ctx, p, orgs); err != nil {
		return err
	}
	if err := checkUnseen(ctx, p, users); err != nil {
		return err
	}
	if err := checkUnseen(ctx, p, orgs); err != nil {
		return err
	}
	if err := p.db.Complete(ctx); err != nil {
		return err
	}
	p.counts.Complete = true
	return nil
}

// listAll saves every page of k, oldest first, until an empty page or one
// that reaches Clerk's total_count.
func listAll[T any](ctx context.Context, p *pass, k kind[T]) error {
	for offset := int64(0); ; {
		records, total, err := k.list(ctx, offset)
		if err != nil {
			return err
		}
		saved, err := k.save(ctx, records)
		if err != nil {
			return err
		}
		p.counts.Pages++
		k.tally.Listed += len(records)
		k.tally.Inserted += saved.Inserted
		k.tally.Updated += saved.Updated
		p.log.Info("clerkreconcile: page saved", "kind", k.name, "offset", offset, "listed", len(records),
			"inserted", saved.Inserted, "updated", saved.Updated, "total_count", total,
			"pages", p.counts.Pages, "calls", p.meter.calls.Load())
		offset += int64(len(records))
		if len(records) == 0 || offset >= total {
			return nil
		}
	}
}

// checkUnseen fetches each record of the mirror the listing did not show:
// saved if Clerk has it (the listing skipped it), marked deleted if Clerk
// answers that it does not exist.
func checkUnseen[T any](ctx context.Context, p *pass, k kind[T]) error {
	ids, err := k.unseen(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		record, err := k.get(ctx, id)
		k.tally.Checked++
		switch {
		case err == nil:
			saved, err := k.save(ctx, []T{record})
			if err != nil {
				return err
			}
			k.tally.Inserted += saved.Inserted
			k.tally.Updated += saved.Updated
		case clerkapi.IsNotFound(err):
			deleted, err := k.delete(ctx, id)
			if err != nil {
				return err
			}
			if deleted {
				k.tally.MarkedDeleted++
				p.log.Info("clerkreconcile: marked deleted", "kind", k.name, "id", id)
			}
		default:
			return err
		}
	}
	return nil
}

func (p *pass) userKind() kind[*clerk.User] {
	return kind[*clerk.User]{
		name:  "users",
		tally: &p.counts.Users,
		list: func(ctx context.Context, offset int64) (users []*clerk.User, total int64, err error) {
			err = p.call(ctx, "listing users", func(ctx context.Context) error {
				list, err := p.users.List(ctx, &user.ListParams{
					ListParams: clerk.ListParams{Limit: clerk.Int64(pageSize), Offset: clerk.Int64(offset)},
					OrderBy:    clerk.String(oldestFirst),
				})
				if err == nil {
					users, total = list.Users, list.TotalCount
				}
				return err
			})
			return users, total, err
		},
		get: func(ctx context.Context, id string) (u *clerk.User, err error) {
			err = p.call(ctx, "fetching user "+id, func(ctx context.Context) (err error) {
				u, err = p.users.Get(ctx, id)
				return err
			})
			return u, err
		},
		save:   p.db.SaveUsers,
		unseen: p.db.UnseenUsers,
		delete: func(ctx context.Context, id string) (bool, error) {
			at := p.now()
			return p.db.DeleteUser(ctx, id, func(ctx context.Context) error {
				_, err := p.cfg.Publisher.Publish(ctx, &clerkevents.UserEvent{Type: clerkevents.UserDeleted, UserID: id, UpdatedAt: at})
				return err
			})
		},
	}
}

func (p *pass) orgKind() kind[*clerk.Organization] {
	return kind[*clerk.Organization]{
		name:  "organizations",
		tally: &p.counts.Organizations,
		list: func(ctx context.Context, offset int64) (orgs []*clerk.Organization, total int64, err error) {
			err = p.call(ctx, "listing organizations", func(ctx context.Context) error {
				list, err := p.orgs.List(ctx, &organization.ListParams{
					ListParams: clerk.ListParams{Limit: clerk.Int64(pageSize), Offset: clerk.Int64(offset)},
					OrderBy:    clerk.String(oldestFirst),
				})
				if err == nil {
					orgs, total = list.Organizations, list.TotalCount
				}
				return err
			})
			return orgs, total, err
		},
		get: func(ctx context.Context, id string) (o *clerk.Organization, err error) {
			err = p.call(ctx, "fetching organization "+id, func(ctx context.Context) (err error) {
				o, err = p.orgs.Get(ctx, id)
				return err
			})
			return o, err
		},
		save:   p.db.SaveOrgs,
		unseen: p.db.UnseenOrgs,
		delete: func(ctx context.Context, id string) (bool, error) {
			at := p.now()
			return p.db.DeleteOrg(ctx, id, at, func(ctx context.Context) error {
				_, err := p.cfg.OrgPublisher.Publish(ctx, &clerkevents.OrgEvent{Type: clerkevents.OrganizationDeleted, OrgID: id, UpdatedAt: at})
				return err
			})
		},
	}
}
