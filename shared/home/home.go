// Package home serves the back office's home page: announcements (H7), the
// manual download (H5), the to-do counts (H6) and the front-stage link (H2).
package home

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Announcement is a notice for the back office and/or the front stage.
type Announcement struct {
	ID         string    `dynamo:"id" json:"id"`
	Title      string    `dynamo:"title" json:"title"`
	Body       string    `dynamo:"body" json:"body"`
	BackOffice bool      `dynamo:"backOffice" json:"backOffice"` // shown on this home page
	FrontStage bool      `dynamo:"frontStage" json:"frontStage"`
	PublishAt  time.Time `dynamo:"publishAt" json:"publishAt"`
	ExpiresAt  time.Time `dynamo:"expiresAt,omitempty" json:"expiresAt,omitzero"`
	UpdatedBy  string    `dynamo:"updatedBy" json:"updatedBy"`
	Updated    time.Time `dynamo:"updated" json:"updated"`
}

// Live reports whether a is published and not expired at now.
func (a Announcement) Live(now time.Time) bool {
	return !now.Before(a.PublishAt) && (a.ExpiresAt.IsZero() || now.Before(a.ExpiresAt))
}

// AnnouncementInput is what an administrator sends.
type AnnouncementInput struct {
	Title      string    `json:"title"`
	Body       string    `json:"body" max:"20000,multiline"`
	BackOffice bool      `json:"backOffice"`
	FrontStage bool      `json:"frontStage"`
	PublishAt  time.Time `json:"publishAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Valid checks the input.
func (in *AnnouncementInput) Valid() error {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	switch {
	case in.Title == "" || len([]rune(in.Title)) > 100:
		return errcode.Field("title", "請填寫標題（100 字以內）。")
	case in.Body == "" || len(in.Body) > 20000:
		return errcode.Field("body", "請填寫內容（兩萬字元以內）。")
	case !in.BackOffice && !in.FrontStage:
		return errcode.Field("backOffice", "請至少選擇一個公告位置（後台或前台）。")
	case !in.ExpiresAt.IsZero() && !in.PublishAt.IsZero() && !in.ExpiresAt.After(in.PublishAt):
		return errcode.Field("expiresAt", "下架時間須晚於上架時間。")
	}
	return nil
}

const (
	announcePK = "ANNOUNCE"
	settingPK  = "SETTING"
	manualSK   = "MANUAL"
)

type announceItem struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Announcement
}

// Repo stores announcements and settings in the directory table.
type Repo struct{ Table dynamo.Table }

// Announcements returns all announcements, newest publication first. The
// partition holds a few hundred items at most.
func (r Repo) Announcements(ctx context.Context) ([]Announcement, error) {
	var items []announceItem
	if err := r.Table.Get("pk", announcePK).All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list announcements: %w", err)
	}
	out := make([]Announcement, len(items))
	for i, it := range items {
		out[i] = it.Announcement
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PublishAt.After(out[j].PublishAt) })
	return out, nil
}

// GetAnnouncement returns one announcement or NotFound.
func (r Repo) GetAnnouncement(ctx context.Context, id string) (Announcement, error) {
	it, err := store.Get[announceItem](ctx, r.Table, announcePK, id, "找不到這則公告。")
	return it.Announcement, err
}

// PutAnnouncement writes a; with prev set, only if nobody changed it since.
func (r Repo) PutAnnouncement(ctx context.Context, a Announcement, prev *Announcement) error {
	put := r.Table.Put(announceItem{PK: announcePK, SK: a.ID, Announcement: a})
	if prev == nil {
		put = put.If("attribute_not_exists(pk)")
	} else {
		put = put.If("updated = ?", prev.Updated)
	}
	if err := put.Run(ctx); err != nil {
		if dynamo.IsCondCheckFailed(err) {
			return errcode.New(errcode.Conflict, "這則公告剛被其他人修改，請重新載入後再試。")
		}
		return fmt.Errorf("put announcement: %w", err)
	}
	return nil
}

// Manual is the current version of the user manual (H5).
type Manual struct {
	Key      string    `dynamo:"key" json:"-"`
	Filename string    `dynamo:"filename" json:"filename"`
	Version  string    `dynamo:"version" json:"version"`
	Uploaded time.Time `dynamo:"uploaded" json:"uploaded"`
	By       string    `dynamo:"by" json:"by"`
}

type manualItem struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Manual
}

// CurrentManual returns the manual in force, or NotFound.
func (r Repo) CurrentManual(ctx context.Context) (Manual, error) {
	var it manualItem
	err := r.Table.Get("pk", settingPK).Range("sk", dynamo.Equal, manualSK).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Manual{}, errcode.New(errcode.NotFound, "尚未上傳使用手冊。")
	}
	if err != nil {
		return Manual{}, fmt.Errorf("get manual: %w", err)
	}
	return it.Manual, nil
}

// SetManual makes m the manual in force.
func (r Repo) SetManual(ctx context.Context, m Manual) error {
	return r.Table.Put(manualItem{PK: settingPK, SK: manualSK, Manual: m}).Run(ctx)
}

// AnnouncementKeyed returns the item of an announcement (for bulk loads).
func AnnouncementKeyed(a Announcement) any {
	return announceItem{PK: announcePK, SK: a.ID, Announcement: a}
}
