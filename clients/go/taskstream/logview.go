package taskstream

import (
	"context"
	"time"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// LogviewAddress is the address of an instance's Logview page, the live web page of its status, tasks,
// progress and output.
type LogviewAddress struct {
	// URL opens the page; it carries a signed token that grants read access to this one instance.
	URL string
	// ExpireTime is when the token stops granting access.
	ExpireTime time.Time
}

// LogviewAddress returns the address of the instance's Logview page, valid for hours (0 means the
// server's default of 720, 30 days, as in PyODPS). Hours out of the server's range give
// ErrInvalidArgument.
func (c *Client) LogviewAddress(ctx context.Context, name string, hours int32) (*LogviewAddress, error) {
	req := &pb.GetLogviewAddressRequest{Name: c.InstanceName(name)}
	if hours != 0 {
		req.Hours = &hours
	}
	resp, err := c.rpc.GetLogviewAddress(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	address := &LogviewAddress{URL: resp.GetUrl()}
	if resp.GetExpireTime() != nil {
		address.ExpireTime = resp.GetExpireTime().AsTime()
	}
	return address, nil
}
