// Package blob opens the S3 buckets and hands out short-lived presigned links.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// LinkTTL is how long a presigned link lives by default: minutes, not days.
// MaxLinkTTL bounds what DOWNLOAD_LINK_TTL may ask for.
const (
	LinkTTL    = 5 * time.Minute
	MaxLinkTTL = 15 * time.Minute
)

// Store is one S3 client and the buckets of the deployment.
type Store struct {
	Client  *s3.Client
	presign *s3.PresignClient
	Uploads string
	Exports string
	TTL     time.Duration // of presigned links
}

// Open builds the S3 client; buckets named in need are required.
func Open(cfg aws.Config, env *settings.Env, need ...string) *Store {
	endpoint := env.Get(settings.S3Endpoint, "")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
			// The embedded S3 does not compute the SDK's newer CRC checksums.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	s := &Store{Client: client, presign: s3.NewPresignClient(client), TTL: LinkTTL}
	if v := env.Get(settings.LinkTTL, ""); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs > 0 && time.Duration(secs)*time.Second <= MaxLinkTTL {
			s.TTL = time.Duration(secs) * time.Second
		}
	}
	for _, name := range need {
		switch name {
		case settings.BucketUploads:
			s.Uploads = env.Need(name)
		case settings.BucketExports:
			s.Exports = env.Need(name)
		}
	}
	return s
}

// Put writes an object.
func (s *Store) Put(ctx context.Context, bucket, key, contentType string, body io.Reader) error {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: body, ContentType: aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// Get opens an object for streaming; the caller closes it.
func (s *Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	return out.Body, nil
}

// ErrChanged: the object is no longer the one its ETag named.
var ErrChanged = errors.New("object changed since it was read")

// Open opens an object for streaming and returns its ETag (quotes removed);
// with etag, only while the object is still that one (If-Match; the answer's
// own ETag is compared too, for an S3 that ignores the condition): else
// ErrChanged. Body and ETag come from one answer, so they always agree.
func (s *Store) Open(ctx context.Context, bucket, key, etag string) (io.ReadCloser, string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if etag != "" {
		in.IfMatch = aws.String(`"` + etag + `"`)
	}
	out, err := s.Client.GetObject(ctx, in)
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed" {
		return nil, "", fmt.Errorf("get s3://%s/%s: %w", bucket, key, ErrChanged)
	}
	if err != nil {
		return nil, "", fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	got := strings.Trim(aws.ToString(out.ETag), `"`)
	if etag != "" && got != etag {
		out.Body.Close()
		return nil, "", fmt.Errorf("get s3://%s/%s: %w", bucket, key, ErrChanged)
	}
	return out.Body, got, nil
}

// DownloadURL presigns a GET that lives LinkTTL and names the file for the browser.
func (s *Store) DownloadURL(ctx context.Context, bucket, key, filename string) (string, error) {
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		ResponseContentDisposition: aws.String(contentDisposition(filename)),
	}, s3.WithPresignExpires(s.TTL))
	if err != nil {
		return "", fmt.Errorf("presign get s3://%s/%s: %w", bucket, key, err)
	}
	return req.URL, nil
}

// UploadURL presigns a PUT of one object with a fixed content type.
func (s *Store) UploadURL(ctx context.Context, bucket, key, contentType string) (string, error) {
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String(contentType),
	}, s3.WithPresignExpires(s.TTL))
	if err != nil {
		return "", fmt.Errorf("presign put s3://%s/%s: %w", bucket, key, err)
	}
	return req.URL, nil
}

// UploadURLSized presigns a PUT of exactly size bytes: S3 refuses a body of
// any other length, which bounds what a browser can upload.
func (s *Store) UploadURLSized(ctx context.Context, bucket, key, contentType string, size int64) (string, error) {
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String(contentType), ContentLength: aws.Int64(size),
	}, s3.WithPresignExpires(s.TTL))
	if err != nil {
		return "", fmt.Errorf("presign put s3://%s/%s: %w", bucket, key, err)
	}
	return req.URL, nil
}

// contentDisposition keeps Chinese file names intact (RFC 6266 filename*).
func contentDisposition(name string) string {
	return fmt.Sprintf("attachment; filename*=UTF-8''%s", pathEscape(name))
}

func pathEscape(s string) string {
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hex[c>>4], hex[c&15])
	}
	return string(out)
}

// Exists reports whether an object is there.
func (s *Store) Exists(ctx context.Context, bucket, key string) (bool, error) {
	_, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err == nil {
		return true, nil
	}
	var nf *types.NotFound
	var nsk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return false, nil
	}
	return false, fmt.Errorf("head s3://%s/%s: %w", bucket, key, err)
}

// CountingReader counts the bytes read through it: the size of an object as
// it was really read (an upload checked against its declared size) or written
// (an export's size, read by the uploader).
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
