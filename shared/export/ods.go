package export

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// odsSheet streams an OpenDocument spreadsheet: a ZIP whose first entry is
// the uncompressed mimetype, then content.xml written row by row (nothing is
// held in memory), styles, settings (the frozen header row) and the manifest.
type odsSheet struct {
	z    *zip.Writer
	w    *bufio.Writer
	cols []Column
	name string
}

const odsMime = "application/vnd.oasis.opendocument.spreadsheet"

func newODS(w io.Writer, name string, cols []Column) (*odsSheet, error) {
	z := zip.NewWriter(w)
	z.RegisterCompressor(zip.Deflate, fastDeflate)
	mt, err := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(mt, odsMime); err != nil {
		return nil, err
	}
	cw, err := z.Create("content.xml")
	if err != nil {
		return nil, err
	}
	s := &odsSheet{z: z, w: bufio.NewWriterSize(cw, 64<<10), cols: cols, name: name}
	fmt.Fprintf(s.w, `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2">
<office:automatic-styles>`)
	for i, c := range cols {
		fmt.Fprintf(s.w, `<style:style style:name="co%d" style:family="table-column"><style:table-column-properties style:column-width="%.2fcm"/></style:style>`,
			i, width(c)*0.21)
	}
	fmt.Fprintf(s.w, `<style:style style:name="head" style:family="table-cell"><style:text-properties fo:font-weight="bold"/></style:style>`+
		`</office:automatic-styles><office:body><office:spreadsheet><table:table table:name="%s">`, attr(name))
	for i := range cols {
		fmt.Fprintf(s.w, `<table:table-column table:style-name="co%d"/>`, i)
	}
	s.w.WriteString(`<table:table-header-rows><table:table-row>`)
	for _, c := range cols {
		s.w.WriteString(`<table:table-cell table:style-name="head" office:value-type="string"><text:p>`)
		s.w.WriteString(textOf(c.Title))
		s.w.WriteString(`</text:p></table:table-cell>`)
	}
	s.w.WriteString(`</table:table-row></table:table-header-rows>`)
	return s, nil
}

func (s *odsSheet) WriteRow(cells []string) error {
	row, err := cleanRow(s.cols, cells)
	if err != nil {
		return err
	}
	s.w.WriteString(`<table:table-row>`)
	for i, v := range row {
		switch {
		case v == "":
			s.w.WriteString(`<table:table-cell/>`)
		case s.cols[i].Kind == Number: // checked by cleanRow
			fmt.Fprintf(s.w, `<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>`, v, v)
		default:
			s.w.WriteString(`<table:table-cell office:value-type="string"><text:p>`)
			s.w.WriteString(textOf(v))
			s.w.WriteString(`</text:p></table:table-cell>`)
		}
	}
	_, err = s.w.WriteString(`</table:table-row>`)
	return err
}

func (s *odsSheet) Close() error {
	s.w.WriteString(`</table:table></office:spreadsheet></office:body></office:document-content>`)
	if err := s.w.Flush(); err != nil {
		return err
	}
	files := []struct{ name, body string }{
		{"styles.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"/>`},
		{"settings.xml", fmt.Sprintf(odsSettings, attr(s.name))},
		{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="` + odsMime + `"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`},
	}
	for _, f := range files {
		w, err := s.z.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, f.body); err != nil {
			return err
		}
	}
	return s.z.Close()
}

// odsSettings freezes the header row (LibreOffice's view settings).
const odsSettings = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" office:version="1.2"><office:settings>
<config:config-item-set config:name="ooo:view-settings"><config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>
<config:config-item config:name="ViewId" config:type="string">view1</config:config-item>
<config:config-item-map-named config:name="Tables"><config:config-item-map-entry config:name="%s">
<config:config-item config:name="VerticalSplitMode" config:type="short">2</config:config-item>
<config:config-item config:name="VerticalSplitPosition" config:type="int">1</config:config-item>
<config:config-item config:name="ActiveSplitRange" config:type="short">2</config:config-item>
<config:config-item config:name="PositionBottom" config:type="int">1</config:config-item>
</config:config-item-map-entry></config:config-item-map-named>
</config:config-item-map-entry></config:config-item-map-indexed></config:config-item-set>
</office:settings></office:document-settings>`

// textOf escapes cell text for XML and keeps line breaks and runs of spaces,
// which ODF drops unless written as elements.
func textOf(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString(`</text:p><text:p>`)
		}
		_ = xml.EscapeText(&b, []byte(strings.ReplaceAll(line, "\r", "")))
	}
	return strings.ReplaceAll(strings.ReplaceAll(b.String(), "\t", `<text:tab/>`), "  ", ` <text:s/>`)
}

func attr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
