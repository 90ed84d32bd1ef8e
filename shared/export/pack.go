package export

import (
	"fmt"
	"io"
	"path"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/yeka/zip"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
)

// Pack writes a ZIP holding one file, encrypted with AES-256 under password.
// Windows Explorer cannot open AES ZIPs; 7-Zip can (the page says so).
// xlsx and ods are ZIPs already: they are stored, not compressed twice. The
// entry's name is passed through SafeName: it never holds a path.
func Pack(w io.Writer, filename, password string, write func(io.Writer) error) error {
	filename = SafeName(filename)
	z := zip.NewWriter(w)
	method := zip.Deflate
	if ext := strings.ToLower(path.Ext(filename)); ext == ".xlsx" || ext == ".ods" {
		method = zip.Store
	}
	fh := &zip.FileHeader{Name: filename, Method: method, Flags: utf8Name}
	fh.SetModTime(time.Now())
	fh.SetPassword(password)
	aes256(fh)
	fw, err := z.CreateHeader(fh)
	if err != nil {
		return fmt.Errorf("zip entry %s: %w", filename, err)
	}
	if err := write(fw); err != nil {
		return err
	}
	return z.Close()
}

// utf8Name is the ZIP flag (bit 11) saying the name is UTF-8, so 7-Zip on a
// Traditional-Chinese Windows shows 課程名冊.xlsx instead of mojibake.
const utf8Name = 0x800

// aes256 selects WinZip AES-256 on a header. yeka/zip (pinned; a 2018 fork of
// archive/zip) sets it only inside Writer.Encrypt, which builds a header we
// cannot add the UTF-8 flag to, so its two unexported fields are set here.
// The round-trip tests (7-Zip opens it; a wrong password is refused) guard
// this against a change of the library.
func aes256(fh *zip.FileHeader) {
	v := reflect.ValueOf(fh).Elem()
	set := func(name string, val any) {
		f := v.FieldByName(name)
		reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(val).Convert(f.Type()))
	}
	set("encryption", zip.AES256Encryption)
	set("aesStrength", 3) // WinZip AE-x strength 3 = 256-bit
}

// Password returns a password for one export: five groups of four
// characters without look-alikes (about 110 bits).
func Password() string { return auth.ReadableSecret(5) }

// GoodPassword reports whether an officer's own file password is usable: 8 to
// 64 printable ASCII characters without spaces (every unzip tool can type it).
func GoodPassword(p string) bool {
	if len(p) < 8 || len(p) > 64 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] > '~' {
			return false
		}
	}
	return true
}
