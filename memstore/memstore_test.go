package memstore_test

import (
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cm.Store { return memstore.New() })
}
