package account

import "github.com/guregu/dynamo/v2"

// AuditPut is the write of one audit entry into the directory table, for
// another package's transaction (P16 writes its corrections' entries with
// the records they change). AuditOf lists them by target.
func AuditPut(directory dynamo.Table, e AuditEntry) *dynamo.Put {
	return directory.Put(auditKeyed(e))
}
