//! Changing our SETTINGS after the connection started (RFC 9113 §6.5.3): a new SETTINGS frame
//! goes out at once; each value that lets the peer do more (a larger window, table, frame,
//! list or stream limit) applies when it is sent, each that lets it do less applies when the
//! peer acknowledges it — the peer may act on the old value until then.

use alloc::vec::Vec;

use super::Connection;
use crate::codec::{
    DEFAULT_MAX_FRAME_SIZE, Frame, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, Setting, SettingId,
    Settings,
};
use crate::error::Error;

impl Connection {
    /// Sends new values of our SETTINGS (§6.5.3): SETTINGS_HEADER_TABLE_SIZE (up to the
    /// configured `header_table_size`, the HPACK table's capacity),
    /// SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_INITIAL_WINDOW_SIZE (applied to every open
    /// stream's receive window, §6.9.2), SETTINGS_MAX_FRAME_SIZE and
    /// SETTINGS_MAX_HEADER_LIST_SIZE (up to the value at the start, or 1,024, which sized the
    /// HPACK field buffers). A value larger than the one in force applies at once, a
    /// smaller one once the peer acknowledges it (`Event::SettingsAcked`); the SETTINGS timer
    /// runs as for the first SETTINGS. [`Connection::config`] shows the values in force.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for another setting or a value out of its range (nothing is
    /// sent); [`Error::Closed`].
    pub fn update_settings(&mut self, settings: &[Setting]) -> Result<(), Error> {
        if self.failed || self.eof {
            return Err(Error::Closed);
        }
        for s in settings {
            let ok = match s.id {
                SettingId::HEADER_TABLE_SIZE => s.value <= self.decoder_capacity,
                SettingId::MAX_CONCURRENT_STREAMS => true,
                // The HPACK field buffers were sized for the list limit at the start.
                SettingId::MAX_HEADER_LIST_SIZE => s.value <= self.list_capacity,
                SettingId::INITIAL_WINDOW_SIZE => s.value <= MAX_WINDOW_SIZE,
                SettingId::MAX_FRAME_SIZE => {
                    (DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&s.value)
                }
                _ => false,
            };
            if !ok {
                return Err(Error::InvalidSetting(s.id));
            }
        }
        self.queue_frame(&Frame::Settings {
            ack: false,
            settings: Settings::List(settings),
        });
        if self.settings_unacked == 0 {
            self.settings_arm = true;
        }
        self.settings_unacked += 1;
        let mut later = Vec::new();
        for &s in settings {
            if s.value >= self.local_setting(s.id) {
                self.apply_local(s);
            } else {
                later.push(s);
            }
        }
        self.pending_settings.push_back(later);
        Ok(())
    }

    /// The peer acknowledged our oldest unacknowledged SETTINGS: its stricter values apply.
    pub(super) fn local_settings_acked(&mut self) {
        for s in self.pending_settings.pop_front().unwrap_or_default() {
            self.apply_local(s);
        }
    }

    /// The value of one of our settings in force.
    fn local_setting(&self, id: SettingId) -> u32 {
        match id {
            SettingId::HEADER_TABLE_SIZE => self.config.header_table_size,
            SettingId::MAX_CONCURRENT_STREAMS => self.config.max_concurrent_streams,
            SettingId::INITIAL_WINDOW_SIZE => self.config.initial_window_size,
            SettingId::MAX_FRAME_SIZE => self.config.max_frame_size,
            SettingId::MAX_HEADER_LIST_SIZE => self.config.max_header_list_size,
            _ => 0,
        }
    }

    fn apply_local(&mut self, s: Setting) {
        match s.id {
            SettingId::HEADER_TABLE_SIZE => {
                // RFC 7541 §4.2: once acknowledged a smaller size binds the peer's encoder,
                // whose next block must open with a size update.
                self.config.header_table_size = s.value;
                self.decoder
                    .set_max_table_size(s.value)
                    .expect("checked against the capacity");
            }
            SettingId::MAX_CONCURRENT_STREAMS => self.config.max_concurrent_streams = s.value,
            SettingId::INITIAL_WINDOW_SIZE => {
                // §6.9.2: the difference applies to every open stream's window.
                let delta = i64::from(s.value) - i64::from(self.config.initial_window_size);
                self.config.initial_window_size = s.value;
                for st in self.streams.values_mut() {
                    st.recv_window += delta;
                }
            }
            SettingId::MAX_FRAME_SIZE => self.config.max_frame_size = s.value,
            SettingId::MAX_HEADER_LIST_SIZE => {
                self.config.max_header_list_size = s.value;
                self.decoder.set_max_header_list_size(s.value);
            }
            _ => {}
        }
    }
}
